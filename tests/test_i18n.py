"""Chinese by default; Tibetan and English on request; odd locale spellings never 500."""

import pytest

from rentals.i18n import normalise_locale


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("zh", "zh_Hans_CN"),
        ("zh-Hans", "zh_Hans_CN"),
        ("zh_CN", "zh_Hans_CN"),
        ("ZH-hans-cn", "zh_Hans_CN"),
        ("bo", "bo"),
        ("bo-CN", "bo"),
        ("en-GB", "en"),
        ("fr", None),
        ("", None),
        ("../../etc", None),
    ],
)
def test_locale_spellings_are_normalised(tag, locale):
    assert normalise_locale(tag) == locale


def test_chinese_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-Hans"' in html and "登录" in html


@pytest.mark.parametrize(
    ("lang", "text", "html_lang"), [("en", "Sign in", "en"), ("bo", "ནང་འཛུལ།", "bo")]
)
def test_lang_parameter_switches_and_is_remembered(client, lang, text, html_lang):
    html = client.get(f"/login?lang={lang}").get_data(as_text=True)
    assert f'lang="{html_lang}"' in html and text in html
    assert text in client.get("/login").get_data(as_text=True)


def test_browser_language_is_used_when_nothing_was_chosen(client):
    html = client.get("/login", headers={"Accept-Language": "bo-CN,bo;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="bo"' in html


@pytest.mark.parametrize("value", ["zh-Hans", "xx", "'; DROP TABLE", "zh-Hans-CN-x-private"])
def test_unexpected_values_fall_back_without_error(client, value):
    response = client.get("/login", query_string={"lang": value})
    assert response.status_code == 200
    response = client.get("/login", headers={"Accept-Language": value})
    assert response.status_code == 200
