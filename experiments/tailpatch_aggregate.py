"""Stage ``tailpatch_aggregate``: ratings, bundles and weights from the patch curves -> the ``tailpatch``
mixture (``artifacts/mixtures/tailpatch.json``, trained as FLAMe-Opt-RM) and ``artifacts/tailpatch/
ratings.json``; on the synth collection, also the precision and recall of the planted helpful and harmful
tasks (the catalog's ``effects``). ``auto`` settings (weakest categories, tau, the general bundle's minimum) are
resolved by the rules of ``core.tailpatch.rules`` and written with how they were chosen; with
``tailpatch.repeats`` > 1, how often the repeats' own ratings agree.

``--oracle NAME`` (stage ``tailpatch_oracle@NAME``, one per name in ``tailpatch.oracle``) writes the mixture
``artifacts/mixtures/NAME.json`` from the planted effects read as ratings, through the same rules as chosen for
the search: the upper bound of what the search can find (synth only)."""

from __future__ import annotations

import dataclasses
import json

from core.config import TailpatchConfig
from core.data.collection import training_sizes
from core.errors import UserError
from core.reporting.load import read_json
from core.tailpatch.bundles import oracle, recovery, to_mixture, weights
from core.tailpatch.ratings import Criteria, rate_all, references, stability
from core.tailpatch.rules import resolve
from experiments.common import DATA_DIR, MIXTURES, TAILPATCH, parsed, parser, run


def planted_effects() -> dict[str, dict[str, int]]:
    """The catalog's planted (task -> category -> +1 / -1) effects; empty on real collections."""
    catalog = read_json(DATA_DIR / "catalog.json")
    return {t: e.get("effects", {}) for t, e in catalog["tasks"].items() if "effects" in e}


def write_oracle(name: str, tp: TailpatchConfig) -> None:
    """The ``name`` mixture from the planted effects, weighted by the rules the search resolved."""
    if name not in tp.oracle:
        raise UserError(f"--oracle {name}: not listed in params tailpatch.oracle {list(tp.oracle)}")
    planted = planted_effects()
    if not planted:
        raise UserError(f"tailpatch.oracle '{name}': the collection plants no effects (synth only)")
    chosen = read_json(TAILPATCH / "ratings.json")["chosen"]
    rules = dataclasses.replace(tp, **{k: v["value"] for k, v in chosen.items()})
    ratings, final = oracle(planted, list(tp.tasks), rules.thresholds)
    task_weights, info = weights(ratings, final, rules)
    to_mixture(name, task_weights, training_sizes(DATA_DIR)).save(MIXTURES / f"{name}.json")
    shown = {k: v for k, v in info.items() if v}
    print(f"oracle mixture {name}: bundles {json.dumps(shown)}")


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--oracle", metavar="NAME", help="write this oracle mixture instead (see above)")
    args, params = parsed(p)
    tp = params.tailpatch
    if args.oracle:
        write_oracle(args.oracle, tp)
        return
    criteria = Criteria(tp.helpful_gain, tp.slight_gain, tp.harmful_drop, tp.stable_points, tp.reference)
    start = read_json(TAILPATCH / "start.json")["scores"]
    patches = {t: read_json(TAILPATCH / "patches" / f"{t}.json") for t in tp.tasks}
    curves = {t: p["curves"] for t, p in patches.items()}
    by_reference = {  # the same curves read against each reference; the configured one drives the mixture
        ref: rate_all(curves, start, dataclasses.replace(criteria, reference=ref))
        for ref in ("start", "median")
    }
    ratings = by_reference[criteria.reference]
    final = {t: {c: v[-1] for c, v in p["curves"].items()} for t, p in patches.items()}
    refs = references(curves, start, criteria)
    rules, chosen = resolve(tp, start, refs)
    task_weights, info = weights(ratings, final, rules)
    spec = to_mixture("tailpatch", task_weights, training_sizes(DATA_DIR))
    spec.save(MIXTURES / "tailpatch.json")
    planted = planted_effects()
    out = {
        "start": start,
        "chosen": chosen,
        "stability": stability(
            {t: p.get("repeats", [p["curves"]]) for t, p in patches.items()}, start, criteria
        ),
        "ratings": ratings,
        "final": final,
        # what each final score is rated against: a task's gain in a category is final - reference_final
        "reference_final": {c: (r if isinstance(r, float) else r[-1]) for c, r in refs.items()},
        "weights": task_weights,
        "bundles": info,
        "proportions": spec.proportions,
        "patch_examples": sum(p["examples_seen"] for p in patches.values()),
    }
    if planted:
        out["recovery"] = recovery(ratings, planted)
        out["recovery_by_reference"] = {ref: recovery(r, planted) for ref, r in by_reference.items()}
    (TAILPATCH / "ratings.json").write_text(json.dumps(out, indent=2) + "\n")
    shown = {k: v for k, v in info.items() if v}
    print(f"tail-patch: {len(ratings)} tasks rated; bundles {json.dumps(shown)}")
    if planted:
        print(f"recovery of planted effects: {json.dumps(out['recovery'])}")


if __name__ == "__main__":
    run(main)
