"""On a public Space each visitor pays with their own account: a signed-in visitor's OAuth
token serves their calls, the owner's token serves visitors only when the owner opts in
(and then within an hourly budget), and no token leaks."""

import asyncio
import json
from types import SimpleNamespace

import gradio as gr
import pytest
from gradio.helpers import special_args
from starlette.requests import Request as StarletteRequest

from playground_ui import AppSettings, build_app
from playground_ui.session import export_json, turn_record
from playground_ui import turn as turn_module
from playground_ui.turn import DEFAULT, PUBLIC, SIGN_IN, TYPE_A_TOKEN, TurnInputs, run_turn
from playground_ui.visitors import HOUR, Budget, Visitor, visitor_of

ROUTER_CHAT = "/v1/chat/completions"
MODEL = "meta-llama/Llama-3.1-8B-Instruct"
OWNER = "hf_ownerCanaryZ8x6Cv4Bn2Mq0Wd"
OAUTH = "hf_fake_valid_user_token"  # the fake router knows it: a visitor who signed in
OAUTH_CANARY = "hf_oauthCanaryT5y7Ui9Op1As3Df"


def space(fake, **env) -> AppSettings:
    return AppSettings.from_env({
        "HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url,
        "HF_ENDPOINTS_API_URL": fake.endpoints_api_url, "SYSTEM": "spaces", "SPACE_ID": "someone/playground", "OAUTH_CLIENT_ID": "local-client",
        "HF_TOKEN": OWNER, "PLAYGROUND_ALLOW_PRIVATE_URLS": "1", **env,
    })


def turn(settings: AppSettings, **fields):
    async def collect():
        return [u async for u in run_turn([], "Tell me about Paris.", TurnInputs(endpoint=DEFAULT, model=MODEL, **fields), settings)]

    return asyncio.run(collect())[-1]


def bearer(seen) -> str:
    return seen.headers.get("authorization", "")


def test_a_signed_in_visitor_calls_with_their_own_token_never_the_owners(fake):
    final = turn(space(fake), signed_in=OAUTH)
    assert final.status == "done", final.error
    sent = fake.seen(ROUTER_CHAT)
    assert sent and all(bearer(s) == f"Bearer {OAUTH}" for s in sent)
    assert not any(OWNER in json.dumps(s.headers) for s in fake.requests)


def test_without_a_sign_in_or_the_owners_opt_in_a_visitor_is_asked_to_sign_in_and_nothing_is_sent(fake):
    final = turn(space(fake))
    assert final.status == "refused" and final.error == SIGN_IN
    assert "sign in with Hugging Face" in final.error and "Token box" in final.error and "Local demo" in final.error
    assert fake.seen(ROUTER_CHAT) == []
    without_oauth = turn(space(fake, OAUTH_CLIENT_ID=""))  # a Space without hf_oauth: only a typed token can do
    assert without_oauth.error == TYPE_A_TOKEN and fake.seen(ROUTER_CHAT) == []


def test_a_typed_token_still_wins_on_a_space(fake):
    assert turn(space(fake), token=OAUTH, signed_in="hf_someone_else").status == "done"
    assert bearer(fake.seen(ROUTER_CHAT)[-1]) == f"Bearer {OAUTH}"


def test_a_signed_in_token_never_goes_to_a_host_the_visitor_typed(fake):
    settings = space(fake)
    url = fake.endpoint_url("vllm-chat").replace("127.0.0.1", "localhost")  # another host than the configured services

    async def collect():
        inputs = TurnInputs(endpoint=PUBLIC, model="tgi", api_base=url, signed_in=OAUTH_CANARY)
        return [u async for u in run_turn([], "Hi", inputs, settings)]

    asyncio.run(collect())
    assert fake.seen("/endpoints/vllm-chat") and not any(bearer(s) for s in fake.seen("/endpoints/vllm-chat"))


def test_with_the_owners_opt_in_the_budget_stops_the_21st_turn_of_the_hour(fake, monkeypatch):
    # The owner's token goes only to Hugging Face's own https hosts, never to loopback: here the fake stands for one.
    monkeypatch.setattr(turn_module, "is_huggingface_url", lambda url, hosts=(): url.startswith(fake.url))
    now = [1000.0]
    settings = space(fake, PLAYGROUND_VISITORS_USE_SERVER_TOKEN="1", HF_TOKEN=OAUTH)  # the fake router knows this "owner" token
    settings = AppSettings(**{**settings.__dict__, "budget": Budget(clock=lambda: now[0])})
    for _ in range(20):
        assert turn(settings, visitor="203.0.113.7").status == "done"
    now[0] += 15 * 60
    refused = turn(settings, visitor="203.0.113.7")
    assert refused.status == "refused" and "20 turns an hour" in refused.error and "sign in with Hugging Face" in refused.error
    assert refused.error == ("You have used this Space's 20 turns an hour on its owner's account (the next one in about 45 min): "
                             "sign in with Hugging Face or paste your own token in the Token box to go on now.")
    without_sign_in = AppSettings(**{**settings.__dict__, "sign_in": False})  # a Space whose owner did not turn on sign-in
    assert turn_module.budget_sentence("203.0.113.7", without_sign_in).endswith(": paste your own token in the Token box to go on now.")
    assert refused.reply == ""  # only the sentence shows (the API's reply to a script is empty too)
    compared = turn(settings, visitor="203.0.113.7", side="B")  # in compare mode, each side's refusal names its own box
    assert "paste your own token in side B's Token box" in compared.error
    assert len(fake.seen(ROUTER_CHAT)) == 20  # the 21st sent nothing
    assert turn(settings, visitor="198.51.100.9").status == "done"  # another visitor has their own hour
    assert turn(settings, visitor="203.0.113.7", signed_in=OAUTH).status == "done"  # their own account is not counted
    now[0] += HOUR
    assert turn(settings, visitor="203.0.113.7").status == "done"  # an hour later


def test_api_callers_on_a_space_each_get_their_own_turns_of_the_hour(fake, monkeypatch):
    from playground_ui.api import chat_api

    monkeypatch.setattr(turn_module, "is_huggingface_url", lambda url, hosts=(): url.startswith(fake.url))
    settings = space(fake, PLAYGROUND_VISITORS_USE_SERVER_TOKEN="1", HF_TOKEN=OAUTH)
    chat = chat_api(AppSettings(**{**settings.__dict__, "budget": Budget(clock=lambda: 1000.0)}))

    def call(address: str) -> dict:
        scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"", "client": ("10.0.0.2", 1234),
                 "headers": [(b"x-forwarded-for", address.encode())]}

        async def run():
            return [details async for _, details in chat("Hi", model=MODEL, request=gr.Request(request=StarletteRequest(scope)))][-1]

        return asyncio.run(run())

    assert all(call("93.184.216.34")["status"] == "done" for _ in range(20))
    assert call("93.184.216.34")["status"] == "refused"
    assert call("151.101.1.69")["status"] == "done"  # a script elsewhere has its own hour


def test_the_visitor_is_told_apart_by_the_address_behind_the_proxy():
    request = SimpleNamespace(headers={"x-forwarded-for": "93.184.216.34, 10.0.0.2"}, client=SimpleNamespace(host="10.0.0.2"))
    assert visitor_of(request, gr.OAuthToken(token=OAUTH_CANARY, scope="inference-api", expires_at=0)).key == "93.184.216.34"
    # What a caller writes first does not make them someone else: the proxy's own entry counts.
    spoofed = SimpleNamespace(headers={"x-forwarded-for": "8.8.8.8, 93.184.216.34, 10.0.0.2"}, client=SimpleNamespace(host="10.0.0.2"))
    assert visitor_of(spoofed, None).key == "93.184.216.34"
    assert visitor_of(SimpleNamespace(headers={}, client=SimpleNamespace(host="192.0.2.4")), None) == visitor_of(
        SimpleNamespace(headers={}, client=SimpleNamespace(host="192.0.2.4")), None)
    assert OAUTH_CANARY not in repr(visitor_of(request, gr.OAuthToken(token=OAUTH_CANARY, scope="", expires_at=0)))


def handler(demo: gr.Blocks, name: str):
    found = [f for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name]
    assert found, name
    return found[0]


def signed_in_request(token: str) -> gr.Request:
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"x-forwarded-for", b"203.0.113.7")], "query_string": b"",
             "client": ("10.0.0.2", 1234), "session": {"oauth_info": {"access_token": token, "scope": "openid inference-api",
                                                                       "expires_at": 4102444800, "userinfo": {"preferred_username": "v"}}}}
    return gr.Request(request=StarletteRequest(scope))


def test_the_send_handler_takes_the_sign_in_from_the_session_and_never_shows_or_exports_it(fake):
    """Gradio hands the page's Send handler the visitor's OAuth token (as on a Space after
    "Sign in with Hugging Face"); the call carries it, and no output, log or export does."""
    settings = space(fake, SYSTEM="")  # no LoginButton in this process: Gradio's local OAuth mock would call hf.co
    demo = build_app(settings)
    send = handler(demo, "on_send")
    values = [getattr(block, "value", None) for block in send.inputs]
    values[0] = "Tell me about Paris."  # the message box
    model_at = next(i for i, block in enumerate(send.inputs) if getattr(block, "elem_id", "") == "model")
    endpoint_at = next(i for i, block in enumerate(send.inputs) if getattr(block, "elem_id", "") == "endpoint")
    values[model_at], values[endpoint_at] = MODEL, DEFAULT
    args, *_ = special_args(send.fn, inputs=list(values), request=signed_in_request(OAUTH))

    async def run():
        return [out async for out in send.fn(*args)]

    outputs = asyncio.run(run())
    assert bearer(fake.seen(ROUTER_CHAT)[-1]) == f"Bearer {OAUTH}"
    shown = json.dumps([{str(k): v for k, v in out.items()} for out in outputs], default=str)
    assert "Paris" in shown and OAUTH not in shown and OAUTH[3:] not in shown


def test_a_canary_oauth_token_is_redacted_from_every_exchange_and_export(fake):
    final = turn(space(fake), signed_in=OAUTH_CANARY)  # refused by the fake router: its reply still carries no token
    record = turn_record(None, TurnInputs(endpoint=DEFAULT, model=MODEL, signed_in=OAUTH_CANARY), "Tell me about Paris.", final)
    exported = export_json(TurnInputs(endpoint=DEFAULT, model=MODEL, signed_in=OAUTH_CANARY), [], [record])
    assert fake.seen(ROUTER_CHAT) and bearer(fake.seen(ROUTER_CHAT)[-1]) == f"Bearer {OAUTH_CANARY}"
    for text in (exported, repr(final), json.dumps([e.to_dict() for e in final.exchanges], default=str), final.error or ""):
        assert OAUTH_CANARY[3:] not in text


def test_the_owners_token_never_goes_to_a_visitors_endpoint_and_never_pays_a_bill_to(fake, monkeypatch):
    from playground_ui.turn import PRIVATE, choose_endpoint

    settings = space(fake, PLAYGROUND_VISITORS_USE_SERVER_TOKEN="1")
    theirs = TurnInputs(endpoint=PUBLIC, model="m", api_base="https://theirs.endpoints.huggingface.cloud")
    assert choose_endpoint(theirs, settings).api_key is False  # a huggingface.cloud host may be anyone's
    with pytest.raises(Exception, match="private endpoint needs a token"):
        choose_endpoint(TurnInputs(endpoint=PRIVATE, model="m", api_base="https://theirs.endpoints.huggingface.cloud"), settings)
    signed = TurnInputs(endpoint=PUBLIC, model="m", api_base="https://theirs.endpoints.huggingface.cloud", signed_in=OAUTH_CANARY)
    assert choose_endpoint(signed, settings).api_key is False  # nor a visitor's sign-in: a link may have set that URL
    monkeypatch.setattr(turn_module, "is_huggingface_url", lambda url, hosts=(): url.startswith(fake.url))
    refused = turn(settings, bill_to="the-owners-org")
    assert refused.status == "refused" and "Bill to" in refused.error and refused.reply == "" and fake.seen(ROUTER_CHAT) == []


def test_a_message_refused_for_its_length_does_not_use_up_a_turn(fake, monkeypatch):
    monkeypatch.setattr(turn_module, "is_huggingface_url", lambda url, hosts=(): url.startswith(fake.url))
    settings = space(fake, PLAYGROUND_VISITORS_USE_SERVER_TOKEN="1", PLAYGROUND_VISITOR_TURNS_PER_HOUR="1",
                     PLAYGROUND_MAX_MESSAGE_CHARS="10")

    async def long_one():
        return [u async for u in run_turn([], "x" * 50, TurnInputs(endpoint=DEFAULT, model=MODEL, visitor="v"), settings)][-1]

    refused = asyncio.run(long_one())
    assert refused.status == "refused" and "turns an hour" not in refused.error  # refused for its length
    assert settings.budget.take("v", 1)  # and the visitor's one turn is still there


def test_who_calls_without_a_sign_in_or_a_request():
    oauth = gr.OAuthToken(token=OAUTH_CANARY, scope="inference-api", expires_at=0)
    assert visitor_of(None, None) == Visitor("", "")  # a script's call: nobody signed in
    assert visitor_of(None, oauth) == Visitor("", OAUTH_CANARY)
    bare = SimpleNamespace(headers={}, client=None, session_hash="abc123")
    assert visitor_of(bare, None) == Visitor("abc123", "")  # no address at all: the browser session
    assert visitor_of(SimpleNamespace(headers={"x-forwarded-for": "not-an-address, 10.0.0.9"}, client=SimpleNamespace(host="10.0.0.2")),
                      None) == Visitor("10.0.0.2", "")  # nothing public in the header: the connection's own address
    assert visitor_of(SimpleNamespace(), oauth) == Visitor("", OAUTH_CANARY)  # a request with none of these (a call without HTTP): no error
    assert repr(Visitor("1.2.3.4", OAUTH_CANARY)) == "Visitor(key='1.2.3.4', token=set)"
    assert repr(Visitor("1.2.3.4")) == "Visitor(key='1.2.3.4', token=none)"


def test_the_budget_is_a_sliding_hour_per_visitor_and_says_when_the_next_turn_comes():
    now = [0.0]
    budget = Budget(clock=lambda: now[0])
    assert budget.minutes_until_next("a") == 0  # no turn yet
    assert [budget.take("a", 2) for _ in range(3)] == [True, True, False]
    now[0] = 30 * 60
    assert budget.minutes_until_next("a") == 30
    assert budget.take("b", 2)  # another visitor
    now[0] = HOUR - 1
    assert not budget.take("a", 2) and budget.minutes_until_next("a") == 1  # never "0 min" while still waiting
    now[0] = HOUR
    assert [budget.take("a", 2) for _ in range(3)] == [True, True, False]  # both turns of time 0 have left the hour


def test_the_budget_forgets_idle_visitors_past_its_limit(monkeypatch):
    from playground_ui import visitors

    monkeypatch.setattr(visitors, "MAX_VISITORS", 4)
    now = [0.0]
    budget = Budget(clock=lambda: now[0])
    for i in range(5):
        now[0] = float(i)
        budget.take(f"v{i}", 1)
    assert set(budget._turns) <= {"v2", "v3", "v4"} and "v4" in budget._turns  # the longest idle went first
    assert not budget.take("v4", 1)  # those remembered are still counted


def test_the_next_turn_comes_when_the_oldest_turn_of_the_hour_leaves_it():
    now = [1000.0]  # a monotonic clock does not start at zero
    budget = Budget(clock=lambda: now[0])
    assert budget.take("a", 2)
    now[0] += 10 * 60
    assert budget.take("a", 2)
    now[0] += 10 * 60
    assert not budget.take("a", 2)
    assert budget.minutes_until_next("a") == 40  # the first turn, 20 min ago, frees a turn in 40 min (not the second's 50)
    now[0] += 39 * 60 + 50
    assert budget.minutes_until_next("a") == 1
    now[0] += 10
    assert budget.take("a", 2)


def test_past_its_limit_the_budget_forgets_the_longest_idle_half_and_still_counts_the_rest(monkeypatch):
    from playground_ui import visitors

    monkeypatch.setattr(visitors, "MAX_VISITORS", 6)
    now = [500.0]
    budget = Budget(clock=lambda: now[0])
    names = ["zed", "yan", "xia", "wu", "val", "uma"]  # idle order is not alphabetical order
    for name in names:
        now[0] += 1
        assert budget.take(name, 1)
    assert not budget.take("zed", 1)  # six remembered: nothing forgotten yet
    now[0] += 1
    assert budget.take("zed", 2)  # the first one in is the latest active now
    now[0] += 1
    assert budget.take("ted", 1)  # the seventh: the four longest idle go, three stay (the limit's half and the newcomer)
    assert [budget.take("zed", 2), budget.take("uma", 1), budget.take("ted", 1)] == [False, False, False]  # still counted
    assert [budget.take(name, 1) for name in ("yan", "xia", "wu", "val")] == [True, True, True, True]  # forgotten


def test_visitors_refused_by_a_budget_of_zero_are_forgotten_first_without_error(monkeypatch):
    from playground_ui import visitors

    monkeypatch.setattr(visitors, "MAX_VISITORS", 2)
    now = [500.0]
    budget = Budget(clock=lambda: now[0])
    assert not budget.take("refused", 0)  # a Space that allows no turns remembers the visitor with none counted
    now[0] += 1
    assert budget.take("first", 1)
    now[0] += 1
    assert budget.take("second", 1)  # past the limit: the one with no turn at all is the most idle
    assert "refused" not in budget._turns and not budget.take("second", 1)
