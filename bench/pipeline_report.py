"""Statistics and the printed report of ``bench_pipeline.py``: per-page timings grouped into table and no-table
pages, medians and paired ratios against the reference, the recogniser's own share (the floor), stage shares
and peak RSS.  Pure functions of the recorded timings: nothing here runs the pipeline or imports it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MODES = ("pipeline", "reference")
GROUPS = ("table", "no-table", "all")
#: the last part of a stage path that is a model's own run (:mod:`pipeline.timing` paths): the recogniser, and the
#: detector fallback
MODEL_STAGES = ("recognize", "detect")


@dataclass(slots=True)
class PageTiming:
    doc: str
    page: int
    width: int
    height: int
    render_s: float
    first: str = ""
    pipeline_s: float | None = None
    reference_s: float | None = None
    tables: int | None = None
    ref_lines: int | None = None
    error: str | None = None
    stages: dict[str, float] | None = None  # pipeline seconds per stage path (pipeline.timing), exclusive

    @property
    def kind(self) -> str:
        return "table" if (self.tables or 0) > 0 else "no-table"

    @property
    def ok(self) -> bool:
        return self.error is None and self.pipeline_s is not None and self.reference_s is not None


# ---------------------------------------------------------------------------------------------- statistics


def spread(xs: Sequence[float]) -> dict[str, float | int | None]:
    if not xs:
        return {"n": 0, "median": None, "p90": None}
    a = np.asarray(xs, dtype=float)
    return {"n": len(xs), "median": float(np.median(a)), "p90": float(np.percentile(a, 90))}


def group(timings: Sequence[PageTiming], name: str) -> list[PageTiming]:
    ok = [t for t in timings if t.ok]
    return ok if name == "all" else [t for t in ok if t.kind == name]


def summarize(timings: Sequence[PageTiming]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in GROUPS:
        ts = group(timings, name)
        pipe = spread([t.pipeline_s for t in ts if t.pipeline_s is not None])
        ref = spread([t.reference_s for t in ts if t.reference_s is not None])
        ratios = [t.pipeline_s / t.reference_s for t in ts
                  if t.pipeline_s is not None and t.reference_s]
        recognition = [(recognition_s(t), t.reference_s) for t in ts if t.stages is not None]
        floor = [rec / ref for rec, ref in recognition if ref]
        out[name] = {
            "pages": len(ts),
            "pipeline": pipe,
            "reference": ref,
            "ratio_median_of_ratios": float(np.median(ratios)) if ratios else None,
            "ratio_of_medians": pipe["median"] / ref["median"] if pipe["median"] and ref["median"] else None,
            "recognition": spread([rec for rec, _ in recognition]),
            "floor_median_of_ratios": float(np.median(floor)) if floor else None,
        }
    out["render"] = spread([t.render_s for t in timings])
    out["stages"] = {name: stage_summary(group(timings, name)) for name in GROUPS}
    return out


def stage_name(path: str) -> str:
    """A stage path folded to what it spends time on: recognition by its caller ("cells/recognize",
    "orientation_vote/recognize", "caption/recognize"), everything else by its own step."""
    parts = [p for p in path.split("/") if p not in ("tables", "reread")]
    return "/".join(parts[-2:]) if parts and parts[-1] in MODEL_STAGES else (parts[-1] if parts
                                                                                          else path)


def recognition_s(t: PageTiming) -> float:
    """Seconds the page spent in the recogniser's (and the fallback detector's) own runs, on whatever called
    them: cells, captions, the orientation vote.  The pipeline's ratio cannot go below this share of the
    reference without a cheaper recogniser; what the pipeline spends above it is its own overhead."""
    return sum(sec for path, sec in (t.stages or {}).items() if path.rsplit("/", 1)[-1] in MODEL_STAGES)


def stage_summary(ts: Sequence[PageTiming]) -> dict[str, dict[str, float]]:
    """Per stage: median seconds per page (0 where a page did not run it) and share of the summed time."""
    per_page: list[dict[str, float]] = []
    for t in ts:
        folded: dict[str, float] = {}
        for path, sec in (t.stages or {}).items():
            folded[stage_name(path)] = folded.get(stage_name(path), 0.0) + sec
        per_page.append(folded)
    names = sorted({k for p in per_page for k in p})
    total = sum(sum(p.values()) for p in per_page) or 1.0
    out = {n: {"median": float(np.median([p.get(n, 0.0) for p in per_page])),
               "mean": float(np.mean([p.get(n, 0.0) for p in per_page])),
               "share": sum(p.get(n, 0.0) for p in per_page) / total} for n in names}
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["share"]))


# ---------------------------------------------------------------------------------------------- report


def fmt(x: float | None, unit: str = "s") -> str:
    return "-" if x is None else f"{x:.3f}{unit}" if unit == "s" else f"{x:.2f}{unit}"


def render_table(summary: dict[str, dict[str, Any]]) -> list[str]:
    head = (f"{'':16}{'pages':>6}  {'pipeline med':>13}{'p90':>9}  {'reference med':>14}{'p90':>9}"
            f"  {'ratio*':>8}{'ratio med/med':>15}")
    lines = [head, "-" * len(head)]
    for name in GROUPS:
        s = summary[name]
        lines.append(f"{name + ' pages':16}{s['pages']:>6}  {fmt(s['pipeline']['median']):>13}"
                     f"{fmt(s['pipeline']['p90']):>9}  {fmt(s['reference']['median']):>14}"
                     f"{fmt(s['reference']['p90']):>9}  {fmt(s['ratio_median_of_ratios'], 'x'):>8}"
                     f"{fmt(s['ratio_of_medians'], 'x'):>15}")
    for name in ("table", "no-table"):
        s = summary[name]
        if s["recognition"]["n"]:
            lines.append(f"{'  recognition':16}{s['recognition']['n']:>6}  {fmt(s['recognition']['median']):>13}"
                         f"{fmt(s['recognition']['p90']):>9}  {'':>14}{'':>9}  "
                         f"{fmt(s['floor_median_of_ratios'], 'x'):>8}  ({name} pages: the floor)")
    r = summary["render"]
    lines.append(f"{'render (apart)':16}{r['n']:>6}  {fmt(r['median']):>13}{fmt(r['p90']):>9}")
    lines.append("* ratio = median over pages of pipeline_s / reference_s (paired, interleaved); "
                 "headline: table pages")
    lines.append("  recognition = the recogniser's own runs within the pipeline's time (cells, captions, votes): "
                 "its ratio is the floor the pipeline's ratio approaches on this machine")
    return lines


def render_stages(summary: dict[str, Any]) -> list[str]:
    """Where the pipeline's time went, per page group: mean seconds per page and share, by stage."""
    lines = ["pipeline stages (exclusive seconds; mean per page, share of the group's pipeline time):"]
    for name in ("table", "no-table"):
        st = summary["stages"][name]
        if st:
            lines.append(f"  {name} pages: " + ", ".join(f"{k} {v['mean']:.3f}s {v['share']:.0%}"
                                                          for k, v in st.items() if v["share"] >= 0.005))
    return lines


def render_rss(rss: dict[str, Any]) -> list[str]:
    lines = ["peak RSS (separate child processes, same pages):"]
    for mode in MODES:
        r = rss.get(mode, {})
        if "peak_rss_kib" in r:
            hwm = r.get("vm_hwm_kib")
            lines.append(f"  {mode:10} {r['peak_rss_kib'] / 1024:8.0f} MiB  "
                         f"(after imports {r['rss_after_imports_kib'] / 1024:.0f} MiB; "
                         f"VmHWM {'-' if hwm is None else f'{hwm / 1024:.0f}'} MiB)")
        else:
            lines.append(f"  {mode:10} {r.get('error', 'not measured')}")
    return lines


def report(meta: dict[str, Any], summary: dict[str, dict[str, Any]], rss: dict[str, Any] | None,
           timings: Sequence[PageTiming]) -> str:
    lines = [f"fiscalscan bench: {len(timings)} page(s) of {', '.join(meta['docs'])}; "
             f"threads={meta['threads'] or 'default'}, dpi={meta['dpi']:g}, reference={meta['reference']}",
             f"cpus={meta['cpus']}, load avg before/after={meta['loadavg_before']}/{meta['loadavg_after']}",
             "", *render_table(summary), "", *render_stages(summary)]
    errors = [t for t in timings if t.error]
    if errors:
        lines.append(f"{len(errors)} page(s) failed and are left out: "
                     + "; ".join(f"{t.doc} p{t.page}: {t.error}" for t in errors))
    if rss is not None:
        lines += ["", *render_rss(rss)]
        both = meta["peak_rss_kib_interleaved"] / 1024
        lines.append(f"  (the interleaved process, both engines live: {both:.0f} MiB)")
    return "\n".join(lines)
