"""Which experiments to run, in which order: the findings' own fixes first (best finding
first), then the generic variants that test a cause the diagnosis named, then the others.
Experiments that would send the same request are merged; ones that change nothing dropped.

A refusal that is itself a rate limit or a challenge gets no variants: at most one resend
after the Retry-After the server asked for, when that is short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from reqscope.core.diagnosis.actions import REQUEST_CHANGING_KINDS, apply_fix_action
from reqscope.core.diagnosis.facts import extract_facts
from reqscope.core.model import Diagnosis, Exchange, FixAction, Request
from reqscope.core.probes import variants
from reqscope.core.probes.experiment import Experiment, ProbeOptions
from reqscope.core.probes.signals import CHALLENGE, retry_after_s, stop_signal
from reqscope.core.probes.variants import GENERIC_VARIANTS, PlanContext


@dataclass(frozen=True, slots=True)
class Plan:
    """The experiments in order, the request they change, and why there are none when the
    refusal must not be probed (`reason`)."""

    base: Request
    experiments: tuple[Experiment, ...]
    reason: str = ""


def apply_actions(request: Request, actions: Sequence[FixAction]) -> Request:
    """`request` with every action applied in order."""
    for action in actions:
        request = apply_fix_action(request, action)
    return request


def probe_base(request: Request, exchange: Exchange, options: ProbeOptions) -> Request:
    """The request the experiments change: the user's, at the URL that refused it (the last
    redirect hop), never following redirects (a probe must not wander to another host), and
    with a probe's shorter timeout."""
    base = request
    if exchange.redirects:
        last = exchange.redirects[-1]
        url = last.next_url or last.location
        if url:
            base = replace(base, url=url, method=(last.next_method or base.method).upper())
    timeout = min(base.options.timeout, options.timeout_s)
    return replace(base, options=replace(base.options, follow_redirects=False, timeout=timeout))


def same_host(url: str, original: str) -> bool:
    return (urlsplit(url).hostname or "").lower() == (urlsplit(original).hostname or "").lower()


def plan_experiments(
    request: Request,
    exchange: Exchange,
    diagnosis: Diagnosis,
    history: Sequence[Exchange] = (),
    *,
    options: ProbeOptions | None = None,
) -> Plan:
    """The experiments for a refused `exchange` of the (expanded) `request`."""
    options = options or ProbeOptions()
    base = probe_base(request, exchange, options)
    if exchange.response is None:
        return Plan(base, (), "no response to compare with: probes start from a refusal")
    if not same_host(base.url, request.url):
        host = urlsplit(base.url).hostname
        reason = (
            f"the refusal came from {host} after a redirect; probes only go to the original host"
        )
        return Plan(base, (), reason)
    status = exchange.response.status
    if 200 <= status < 300 and not diagnosis.findings:
        return Plan(base, (), "the request succeeded: nothing to probe")
    signal = stop_signal(exchange)
    if signal is not None:
        return _plan_for_signal(base, exchange, signal.kind, signal.text, options)
    facts = extract_facts(exchange, history)
    causes = tuple(dict.fromkeys(f.cause for f in diagnosis.findings))
    ctx = PlanContext(base, exchange, facts, causes, tuple(history))
    planned = _from_findings(ctx, diagnosis)
    generic = [e for e in (variant(ctx) for variant in GENERIC_VARIANTS) if e is not None]
    rank = {cause: index for index, cause in enumerate(causes)}

    def relevance(experiment: Experiment) -> int:
        return min((rank[c] for c in experiment.causes if c in rank), default=len(rank))

    planned += sorted(generic, key=relevance)  # stable: generic order breaks ties
    return Plan(base, _merged(base, planned))


def _plan_for_signal(
    base: Request, exchange: Exchange, kind: str, text: str, options: ProbeOptions
) -> Plan:
    if kind == CHALLENGE:
        reason = f"not probed: {text}; a challenge needs a real browser, and more requests only "
        return Plan(base, (), reason + "raise the bot score")
    wait = retry_after_s(exchange)
    if wait is None or wait > options.max_wait_s:
        when = f"Retry-After {wait:.0f} s" if wait is not None else "no Retry-After"
        return Plan(base, (), f"not probed: {text} ({when}); wait for the limit to reset")
    seconds = max(wait, 0.0)
    experiment = Experiment(
        "wait",
        "wait",
        f"the same request after the {seconds:g} s the server asked for",
        (FixAction("wait", value=f"{seconds:g}"),),
        ("rate_limited",),
        source="variant",
        wait_s=seconds,
    )
    return Plan(base, (experiment,))


def _from_findings(ctx: PlanContext, diagnosis: Diagnosis) -> list[Experiment]:
    planned: list[Experiment] = []
    for finding in diagnosis.findings:
        for number, fix in enumerate(finding.fixes, start=1):
            action = fix.action
            if action is None:
                continue
            if action.kind == "fetch_csrf":
                found = variants.fresh_csrf(ctx)
                if found is not None:
                    causes = _union(found.causes, (finding.cause,))
                    planned.append(replace(found, causes=causes, source="finding"))
            elif action.kind in REQUEST_CHANGING_KINDS:
                planned.append(
                    Experiment(
                        f"fix:{finding.cause}:{number}",
                        "preflight" if action.kind == "preflight" else "fix",
                        f"the fix for {finding.cause}",
                        (action,),
                        (finding.cause,),
                        source="finding",
                        diagnostic=action.kind == "preflight",
                        can_rule_out=not _is_guess(action),
                    )
                )
    return planned


def _is_guess(action: FixAction) -> bool:
    """An Origin or Referer from a rule is our guess at an allowed one, not the allowed one."""
    return action.kind == "set_header" and action.name.lower() in ("origin", "referer")


def _merged(base: Request, planned: list[Experiment]) -> tuple[Experiment, ...]:
    """One experiment per distinct request; the causes of duplicates join the first."""
    kept: list[Experiment] = []
    requests: list[Request | None] = []
    for experiment in planned:
        request = None if experiment.fetch_url else apply_actions(base, experiment.actions)
        if request == base:
            continue
        same = next(
            (
                i
                for i, r in enumerate(requests)
                if (r is not None and r == request)
                or (r is None and request is None and kept[i].id == experiment.id)
            ),
            None,
        )
        if same is None:
            kept.append(experiment)
            requests.append(request)
        else:
            kept[same] = replace(kept[same], causes=_union(kept[same].causes, experiment.causes))
    ids: dict[str, int] = {}
    unique: list[Experiment] = []
    for experiment in kept:  # ids stay unique when a finding has two fixes of one kind
        count = ids.get(experiment.id, 0)
        ids[experiment.id] = count + 1
        unique.append(
            replace(experiment, id=f"{experiment.id}#{count + 1}") if count else experiment
        )
    return tuple(unique)


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))
