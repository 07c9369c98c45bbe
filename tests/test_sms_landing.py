import pytest

from conftest import load_tool

landing = load_tool("optical_crm_sms", "landing")


def test_first_name_is_escaped():
    html = "<p>Ciao {{ object.first_name }}, da {{object.company_id.name}}</p>"
    out = landing.render_landing_html(html, {"first_name": "<b>Anna</b>", "shop_name": "Ottica & Co"})
    assert out == "<p>Ciao &lt;b&gt;Anna&lt;/b&gt;, da Ottica &amp; Co</p>"


def test_other_placeholders_are_dropped():
    html = "<p>{{ object.partner_id.email }}|{{ object.partner_id.mobile }}|{{ ctx }}</p>"
    assert landing.render_landing_html(html, {"first_name": "Anna"}) == "<p>||</p>"


def test_video_embed():
    assert landing.video_embed("https://www.youtube.com/watch?v=dQw4w9WgXcQ") == (
        "iframe", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    assert landing.video_embed("https://youtu.be/dQw4w9WgXcQ")[1].endswith("/dQw4w9WgXcQ")
    assert landing.video_embed("https://vimeo.com/76979871") == ("iframe", "https://player.vimeo.com/video/76979871")
    assert landing.video_embed("https://cdn.example.com/promo.mp4") == ("video", "https://cdn.example.com/promo.mp4")
    assert landing.video_embed("javascript:alert(1)") is None
    assert landing.video_embed("https://www.youtube.com/watch?v=<script>") is None
    assert landing.video_embed("") is None


@pytest.mark.parametrize("method, agent, counted", [
    ("GET", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", True),
    ("GET", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36", True),
    ("HEAD", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", False),
    ("GET", "WhatsApp/2.23.20.0 A", False),
    ("GET", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", False),
    ("GET", "TelegramBot (like TwitterBot)", False),
    ("GET", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", False),
    ("GET", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", False),
    ("GET", "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5", False),
    ("GET", None, True),
])
def test_only_a_person_opening_the_page_is_a_visit(method, agent, counted):
    assert landing.is_visit(method, agent) is counted


@pytest.mark.parametrize("url", [
    "https://ottica.example.it/prenota", "http://ottica.example.it", "HTTPS://Ottica.Example.it/a?b=c#d",
    "https://ottica.example.it:8443/x", "https://[2001:db8::1]/prenota", "https://ottica.example.it/a\\b",
    "tel:+390212345678", "tel:+39 02 1234567", "mailto:info@ottica.example.it",
    "/", "/prenota", "/shop?x=1", "/a//b",
])
def test_button_links_to_the_web_a_phone_or_this_site(url):
    assert landing.is_button_url(url)


@pytest.mark.parametrize("url", [
    # Another site through the prefix meant for this site's pages.
    "//evil.example/phish", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/%09/x\r",
    # No host, a host hidden behind user info, or not a web address at all.
    "https://", "https:///evil.example", "https://\\evil.example", "https://ottica.example.it@evil.example/",
    "javascript:alert(1)", "data:text/html,x", "ottica.example.it", "ftp://ottica.example.it", "tel:",
    " https://ottica.example.it", "https://ottica.example.it/a b", "", None,
])
def test_button_links_elsewhere_are_refused(url):
    assert not landing.is_button_url(url)
