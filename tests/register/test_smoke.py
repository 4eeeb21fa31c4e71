def test_manager_sees_every_unit(login_as, world):
    client = login_as("manager")
    html = client.get("/units").get_data(as_text=True)
    assert world.unit_a.code in html and world.unit_b.code in html
