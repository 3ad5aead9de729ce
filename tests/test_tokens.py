"""Which token goes out, how it is written, and that it is never shown."""

import asyncio
import json

import pytest
from huggingface_hub import constants

import playground
from fakehf import Reply
from playground import completion

CHAT = [{"role": "user", "content": "Hi"}]
MODEL = "HuggingFaceH4/zephyr-7b-beta"


def sent_authorization(fake):
    calls = fake.seen("/hf-inference/")
    assert calls, "nothing reached the endpoint"
    return {call.headers.get("authorization") for call in calls}


SOURCES = ["api_key", "huggingface_key", "HF_TOKEN", "HUGGINGFACE_API_KEY", "saved login"]


@pytest.mark.parametrize("winner", range(len(SOURCES)))
def test_precedence_first_source_wins(fake, monkeypatch, tmp_path, winner):
    """Every source from ``winner`` on is set, each with its own token: the first one is used."""
    tokens = {name: "hf_fake_valid_user_token" if i == winner else f"hf_fake_loser_{i}" for i, name in enumerate(SOURCES)}
    kwargs = {}
    for name in SOURCES[winner:]:
        if name == "api_key":
            kwargs["api_key"] = tokens[name]
        elif name == "huggingface_key":
            playground.huggingface_key = tokens[name]
        elif name == "saved login":
            path = tmp_path / "saved-login-token"
            path.write_text(tokens[name])
            monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(path))
        else:
            monkeypatch.setenv(name, tokens[name])

    r = completion(model=MODEL, messages=CHAT, **kwargs)

    assert sent_authorization(fake) == {"Bearer hf_fake_valid_user_token"}
    assert r.exchanges[-1].request_headers["authorization"] == "Bearer hf_***"


def test_a_new_login_or_a_logout_is_noticed_at_the_next_call(fake, monkeypatch, tmp_path):
    """The saved login is reused between calls (reading it costs more than the check), but
    a new `hf auth login` or a logout takes effect at once."""
    path = tmp_path / "saved-login-token"
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(path))
    path.write_text("hf_fake_valid_user_token")
    completion(model=MODEL, messages=CHAT)
    completion(model=MODEL, messages=CHAT)
    assert sent_authorization(fake) == {"Bearer hf_fake_valid_user_token"}
    fake.requests.clear()
    path.write_text("hf_fake_private_endpoint_token")  # logged in again, as someone else
    completion(model=MODEL, messages=CHAT)
    assert sent_authorization(fake) == {"Bearer hf_fake_private_endpoint_token"}
    fake.requests.clear()
    path.unlink()  # logged out
    completion(model=MODEL, messages=CHAT)
    assert sent_authorization(fake) == {None}


def test_no_token_anywhere_sends_no_authorization_header(fake):
    completion(model=MODEL, messages=CHAT)
    assert sent_authorization(fake) == {None}


def test_api_key_false_skips_the_chain(fake, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_fake_valid_user_token")
    playground.huggingface_key = "hf_fake_valid_user_token"
    completion(model=MODEL, messages=CHAT, api_key=False)
    assert sent_authorization(fake) == {None}


def test_hub_lookup_gets_no_token_when_the_hub_is_not_a_hugging_face_host(fake, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_fake_valid_user_token")
    completion(model=MODEL, messages=CHAT)
    hub_calls = fake.seen("/api/models/")
    assert hub_calls and all("authorization" not in call.headers for call in hub_calls)
    assert sent_authorization(fake) == {"Bearer hf_fake_valid_user_token"}


def test_refused_token_error_says_what_to_do_and_never_shows_the_token(fake):
    secret = "hf_fake_wrong_token_never_shown_1234"
    with pytest.raises(playground.AuthenticationError) as caught:
        completion(model=MODEL, messages=CHAT, api_key=secret)
    error = caught.value
    assert error.status_code == 401 and error.hf_error == "Invalid username or password."
    assert "refused the token" in str(error) and "HF_TOKEN" in str(error)
    shown = repr(error) + str(error) + repr([e.to_dict() for e in error.exchanges])
    assert secret not in shown and "hf_***" in shown


def test_is_huggingface_url():
    from playground._auth import is_huggingface_url

    assert is_huggingface_url("https://huggingface.co")
    assert is_huggingface_url("https://xyz.us-east-1.aws.endpoints.huggingface.cloud")
    assert is_huggingface_url("https://hf.space/")
    assert not is_huggingface_url("https://someone-space.hf.space/")  # a Space runs its owner's code
    assert not is_huggingface_url("https://evil.huggingface.cloud")  # only Inference Endpoints there
    assert not is_huggingface_url("http://huggingface.co")  # not over https
    assert not is_huggingface_url("https://huggingface.co.evil.example")
    assert not is_huggingface_url("https://evilhuggingface.co")
    assert not is_huggingface_url("http://127.0.0.1:8080")
    assert is_huggingface_url("https://models.example.org", extra_hosts=["models.example.org"])
    assert not is_huggingface_url("https://sub.models.example.org", extra_hosts=["models.example.org"])
    assert is_huggingface_url("https://huggingface.co./api")  # the same host, written fully qualified
    assert is_huggingface_url("https://HuggingFace.CO/api")
    # Credentials in the URL would go to whoever the parser picks: never the server's token with them.
    assert not is_huggingface_url("https://user@huggingface.co/api")
    assert not is_huggingface_url("https://:secret@huggingface.co/api")
    assert not is_huggingface_url("https:///no-host")


@pytest.mark.parametrize("bad", ["hf_abc\ndef", "hf_abc def", "hf_abc\u200bdef", "hf_ab\x00c", "hf_café"])
def test_a_malformed_token_is_refused_without_being_quoted(fake, bad):
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model=MODEL, messages=CHAT, api_key=bad)
    assert bad not in str(caught.value) and "api_key" in str(caught.value)
    assert fake.requests == []


def test_hub_lookup_never_consults_the_token_chain_for_api_key_false(fake, monkeypatch):
    from playground import _prepare

    monkeypatch.setattr(_prepare, "is_huggingface_url", lambda url, extra_hosts=(): True)  # as if the Hub were huggingface.co
    monkeypatch.setenv("HF_TOKEN", "hf_fake_valid_user_token")
    completion(model=MODEL, messages=CHAT, api_key=False)
    assert all("authorization" not in call.headers for call in fake.requests)
    completion(model="gpt2", messages=CHAT)  # with a token, the Hub (an HF host) gets it
    assert fake.seen("/api/models/gpt2")[-1].headers["authorization"] == "Bearer hf_fake_valid_user_token"


def test_a_server_echoing_the_token_back_never_shows_it(fake):
    """Error bodies and stream events that quote the token are redacted in the error, the
    answer and the exchanges alike."""
    token = "hf_echoCanary5Rt9Lm2Qx7Vn4Bz"
    path = "/endpoints/zephyr-tgi1/v1/chat/completions"
    fake.script(path, Reply(401, {"error": f"Invalid token {token}"}))
    with pytest.raises(playground.AuthenticationError) as caught:
        completion(model="m", messages=[{"role": "user", "content": "Hi"}], api_base=fake.endpoint_url("zephyr-tgi1"),
                   api_key=token, task="conversational")
    shown = str(caught.value) + json.dumps([e.to_dict() for e in caught.value.exchanges], default=str)
    assert token not in shown and "Invalid token hf_***" in shown
    event = json.dumps({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": f"you sent {token}"}}]})
    fake.script(path, Reply(200, f"data: {event}\n\ndata: [DONE]\n\n".encode(), "text/event-stream"))
    stream = completion(model="m", messages=[{"role": "user", "content": "Hi"}], api_base=fake.endpoint_url("zephyr-tgi1"),
                        api_key=token, task="conversational", stream=True)
    text = "".join(chunk.choices[0].delta.get("content") or "" for chunk in stream)
    assert text == "you sent hf_***" and token not in json.dumps(stream.exchanges[-1].events)

    async def arefused():  # the async twin reads its own replies
        fake.script(path, Reply(401, {"error": f"Invalid token {token}"}))
        await playground.acompletion(model="m", messages=[{"role": "user", "content": "Hi"}], api_base=fake.endpoint_url("zephyr-tgi1"),
                                     api_key=token, task="conversational")

    with pytest.raises(playground.AuthenticationError) as caught:
        asyncio.run(arefused())
    shown = str(caught.value) + json.dumps([e.to_dict() for e in caught.value.exchanges], default=str)
    assert token not in shown and "Invalid token hf_***" in shown

    async def astream():
        fake.script(path, Reply(200, f"data: {event}\n\ndata: [DONE]\n\n".encode(), "text/event-stream"))
        stream = await playground.acompletion(model="m", messages=[{"role": "user", "content": "Hi"}], api_base=fake.endpoint_url("zephyr-tgi1"),
                                              api_key=token, task="conversational", stream=True)
        return stream, "".join([chunk.choices[0].delta.get("content") or "" async for chunk in stream])

    stream, text = asyncio.run(astream())
    assert text == "you sent hf_***" and token not in json.dumps(stream.exchanges[-1].events)


@pytest.mark.parametrize("where", ["api_key", "playground.huggingface_key", "HF_TOKEN", "HUGGINGFACE_API_KEY", "the saved login token"])
def test_a_malformed_token_is_refused_naming_where_it_came_from(fake, monkeypatch, where):
    """The sentence tells a person which of the five places to fix."""
    from playground import _auth

    bad = "hf_two words"
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGINGFACE_API_KEY", raising=False)
    monkeypatch.setattr(playground, "huggingface_key", None, raising=False)
    monkeypatch.setattr(_auth, "_saved_login_token", lambda settings: None)
    kwargs = {}
    if where == "api_key":
        kwargs["api_key"] = bad
    elif where == "playground.huggingface_key":
        monkeypatch.setattr(playground, "huggingface_key", bad)
    elif where == "the saved login token":
        monkeypatch.setattr(_auth, "_saved_login_token", lambda settings: bad)
    else:
        monkeypatch.setenv(where, bad)
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model=MODEL, messages=CHAT, **kwargs)
    assert caught.value.message == (f"The token in {where} has characters a token cannot have (spaces, line breaks or non-ASCII): "
                                    "copy it again from your Hugging Face settings.")
    assert fake.requests == []


def test_a_token_of_any_printable_length_up_to_4096_is_accepted():
    from playground._auth import check_token

    assert check_token("x", "api_key") == "x" and check_token("h" * 4096, "api_key") == "h" * 4096
    for bad in ("", "h" * 4097):
        with pytest.raises(playground.BadRequestError):
            check_token(bad, "api_key")


def test_every_secret_header_is_shown_redacted():
    from playground._auth import redact_headers, scrub

    shown = redact_headers([("Authorization", "Bearer hf_secret1"), ("Proxy-Authorization", "Basic dXNlcjpwYXNz"),
                            ("X-API-Key", "sk-secret2"), ("Cookie", "session=secret3"), ("Accept", "text/event-stream"),
                            ("authorization", "hf_bare_secret4")])
    assert shown == {"Authorization": "Bearer hf_***", "Proxy-Authorization": "Basic ***", "X-API-Key": "***",
                     "Cookie": "***", "Accept": "text/event-stream", "authorization": "hf_***"}
    assert redact_headers([("Authorization", "Bearer two parts")]) == {"Authorization": "Bearer ***"}
    assert scrub("key abcd here", "abcd") == "key *** here"  # four characters are enough to hide
    assert scrub("key abc here", "abc") == "key abc here"  # shorter ones would blank out ordinary words


def test_the_settings_never_print_a_token(monkeypatch):
    from playground._settings import Settings

    monkeypatch.setenv("HF_TOKEN", "hf_fake_valid_user_token")
    monkeypatch.setenv("HUGGINGFACE_API_KEY", "hf_fake_private_endpoint_token")
    settings = Settings.from_env()
    assert settings.hf_token == "hf_fake_valid_user_token"  # read, and used
    assert "hf_fake" not in repr(settings) and "hf_fake" not in str(settings)  # but never in a log line or a traceback
