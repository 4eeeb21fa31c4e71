from __future__ import annotations

import pytest

from rentals.printing import fonts, qr, render


def test_fetcher_refuses_local_files_and_outside_urls():
    fetcher = render.url_fetcher()
    for url in (
        "file:///etc/passwd",
        "https://example.com/x.png",
        "http://127.0.0.1/static/app.css",
        render.BASE_URL + "static/../../../../etc/passwd",
        render.BASE_URL + "etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_fetcher_serves_our_static_files_and_data_uris():
    fetcher = render.url_fetcher()
    assert b"font-family" in fetcher.fetch(render.BASE_URL + "static/app.css").read()
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"


def test_document_with_a_local_file_image_does_not_embed_it():
    from weasyprint import HTML

    html = '<html><body><img src="file:///etc/passwd"><p>x</p></body></html>'
    pdf = HTML(string=html, base_url=render.BASE_URL, url_fetcher=render.url_fetcher()).write_pdf()
    assert b"root:" not in pdf


def test_context_must_hold_plain_values(world):
    with pytest.raises(TypeError, match="unit"):
        render.render_html("print/notice.html", {"unit": world.unit_a}, locale="zh_Hans_CN")


def test_missing_fonts_name_the_package(monkeypatch):
    fonts.problems.cache_clear()
    monkeypatch.setattr(fonts, "_families", lambda lang: set())
    try:
        with pytest.raises(fonts.PrintingUnavailable) as err:
            fonts.check()
        assert "fonts-noto-cjk" in str(err.value)
        assert "fonts-tibetan-machine" in str(err.value)
    finally:
        fonts.problems.cache_clear()


def test_this_machine_has_harfbuzz_subsetting_and_fonts():
    assert fonts.problems() == ()


def test_qr_png_encodes_the_url_at_level_h():
    import base64

    url = "http://127.0.0.1:5000/p/ABCD-EFGH-JKMN"
    uri = qr.png_data_uri(url)
    decoded = qr.decode_png(base64.b64decode(uri.split(",", 1)[1]))
    assert decoded == qr.modules(url)
    assert qr.make(url).error == "H"
