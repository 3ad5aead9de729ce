"""Several app processes behind HAProxy (deploy/replicas.py, `python3 dev.py serve --replicas N`):
people in their own browsers chat at the same time through the one address, each session
stays on the replica that holds it, and every reply reaches the session that asked."""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from apprun import ROOT, free_port
from browsing import browser_context_args, browser_type_launch_args  # noqa: F401 (fixtures)
from deploy.replicas import COOKIE, INSTALL, Replicas
from test_browser_space import dead_urls

VISITORS = 4


@pytest.fixture(scope="module")
def farm():
    home = Path(tempfile.mkdtemp(prefix="replicas-home-"))
    env = {"HOME": str(home), "HF_HOME": str(home / "hf"), "NO_PROXY": "127.0.0.1,localhost", "HF_TOKEN": "", **dead_urls()}
    with tempfile.TemporaryFile() as log:
        try:
            with Replicas(free_port(), [free_port(), free_port()], env=env, output=log) as running:
                yield running
        except RuntimeError as problem:
            log.seek(0)
            pytest.fail(f"{problem}\n{log.read().decode(errors='replace')[-3000:]}")


def test_every_session_gets_its_own_replies_through_the_balancer_and_both_replicas_serve(browser: Browser, farm):
    contexts = [browser.new_context(viewport={"width": 1500, "height": 1000}) for _ in range(VISITORS)]
    pages = [context.new_page() for context in contexts]
    try:
        for page in pages:
            page.goto(farm.url)
            expect(page.locator("#message textarea")).to_be_visible(timeout=30000)
            page.locator("#endpoint").get_by_text("Local demo").click()
            expect(page.locator("#task")).to_contain_text("Local demo", timeout=15000)
        for rounds in ("first", "second"):
            for number, page in enumerate(pages):  # every visitor sends before any reply is read
                page.locator("#message textarea").fill(f"{rounds} question of visitor {number}")
                page.locator("#send").click()
            for number, page in enumerate(pages):
                replies = page.locator('#chatbot [data-testid="bot"]')
                expect(replies).to_have_count(2 if rounds == "second" else 1, timeout=20000)
                expect(replies.last).to_contain_text(f"You said: “{rounds} question of visitor {number}”", timeout=20000)
                expect(page.locator("#metrics")).to_contain_text("finish", timeout=20000)
        for number, page in enumerate(pages):  # the whole chat is this visitor's, in order, and nobody else's
            text = page.locator("#chatbot").inner_text()
            mine = re.findall(r"(first|second) question of visitor (\d)", text)
            assert set(mine) == {("first", str(number)), ("second", str(number))}, text
            assert text.index("first question") < text.index("second question")
        replicas = [next(c["value"] for c in context.cookies() if c["name"] == COOKIE) for context in contexts]
        assert set(replicas) == {"app1", "app2"}, replicas  # the visitors were spread over both processes
    finally:
        for context in contexts:
            context.close()


def test_dev_serve_says_how_to_install_haproxy_when_it_is_missing(tmp_path):
    ran = subprocess.run([sys.executable, str(ROOT / "deploy" / "replicas.py"), "--replicas", "2", "--port", str(free_port())],
                         env={"PATH": str(tmp_path)}, capture_output=True, text=True, timeout=60)  # a PATH without haproxy
    assert ran.returncode == 1
    assert f"install it ({INSTALL})" in ran.stderr and "deploy/compose.yaml" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_both_shipped_haproxy_configurations_are_valid(tmp_path):
    from deploy.replicas import haproxy_config

    generated = tmp_path / "haproxy.cfg"
    generated.write_text(haproxy_config("127.0.0.1", 7860, [7861, 7862, 7863]))
    for config in (generated, ROOT / "deploy" / "haproxy-compose.cfg"):
        checked = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
