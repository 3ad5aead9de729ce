"""The "Check endpoint" button: the person's endpoint settings to the library's doctor,
and its report to a short list of sentences, each with a green, amber or red mark (HTML,
every sentence escaped: they quote what people typed). No Gradio here."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playground import APIError, EndpointReport, Exchange, acheck_endpoint

from .settings import AppSettings
from .turn import ROUTE_CHOICES, InputProblem, TurnInputs, budget_sentence, prepare_endpoint, within_budget
from .views import request_text, response_text

log = logging.getLogger("playground_ui")

MARK_NAMES = {"ok": "green", "warn": "amber", "fail": "red"}
VERDICTS = {
    "ok": "Ready to chat.",
    "warn": "Works, with something to know.",
    "fail": "Needs attention before it can chat.",
}


@dataclass
class DoctorResult:
    html: str
    exchanges: list[Exchange] = field(default_factory=list)


def report_html(report: EndpointReport, where: str) -> str:
    items = "".join(_item(f.level, f.sentence) for f in report.findings)
    return _panel(report.level, f"Endpoint check: {VERDICTS[report.level]}", where, items) + probes_html(report.exchanges)


def probes_html(exchanges: list[Exchange]) -> str:
    """The check's own requests and responses, folded under the report: they never take the
    place of the last turn's in the Request and Response tabs."""
    if not exchanges:
        return ""
    count = f"{len(exchanges)} request{'s' * (len(exchanges) != 1)}"
    shown = html.escape(request_text(exchanges) + "\n\n" + response_text(exchanges).replace("### ", "### reply to "))
    return f'<details class="doctor-probes"><summary>What the check sent ({count})</summary><pre>{shown}</pre></details>'



def refused_html(sentence: str) -> str:
    return _panel("fail", "Endpoint check: nothing was sent.", "", _item("fail", sentence))


def checking_html(inputs: TurnInputs) -> str:
    return f'<div class="doctor-panel">Checking {html.escape(_where(inputs))}…</div>'


def _item(level: str, sentence: str) -> str:
    name = MARK_NAMES[level]
    return f'<li class="doctor-{level}"><span class="doctor-mark" title="{name}" aria-label="{name}">●</span> {html.escape(sentence)}</li>'


def _panel(level: str, title: str, where: str, items: str) -> str:
    place = f' <span class="doctor-where">({html.escape(where)})</span>' if where else ""
    return f'<div class="doctor-panel doctor-{level}-panel"><strong>{html.escape(title)}</strong>{place}<ul>{items}</ul></div>'


async def check(inputs: TurnInputs, settings: AppSettings) -> DoctorResult:
    """Probe the chosen endpoint; every outcome is a report (or a refusal), never an exception."""
    try:
        endpoint = await prepare_endpoint(inputs, settings, need_token=False)
    except InputProblem as problem:
        return DoctorResult(refused_html(str(problem)))
    if not within_budget(endpoint, inputs.visitor, settings):  # its probe generates a token on the owner's account
        return DoctorResult(refused_html(budget_sentence(inputs.visitor, settings)))
    try:
        report = await acheck_endpoint(
            endpoint.model, api_base=endpoint.api_base, api_key=endpoint.api_key, task=ROUTE_CHOICES.get(inputs.route or "auto"),
        )
    except APIError as error:  # inputs the library will not send: a malformed token or URL
        return DoctorResult(refused_html(error.message) + probes_html(list(error.exchanges or [])), list(error.exchanges or []))
    except Exception:  # a bug of ours
        log.exception("endpoint check failed for %r", inputs)
        return DoctorResult(refused_html("The check failed inside the playground; the server log has the details. Try again, or report it."))
    where = "Local demo" if endpoint.local else _where(inputs)
    return DoctorResult(report_html(report, where), report.exchanges)


def _where(inputs: TurnInputs) -> str:
    url = (inputs.api_base or "").strip()
    if inputs.endpoint in ("public", "private") and url:
        return urlsplit(url).netloc or url[:80]
    if inputs.endpoint == "local":
        return "Local demo"
    return f"{(inputs.model or '').strip() or 'no model'} on the serverless Inference API"
