"""Time a fit on synthetic customers: ``python -m tools.fit_benchmark``.

Fits the scheme on all rows and on a sample (``fit_sample_size``), reports wall-clock seconds
per step and the adjusted Rand index between the two partitions of all rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from sklearn.metrics import adjusted_rand_score

from broker_segments.segmentation import fit_scheme, get_scheme, result_to_artifacts, score
from tools.synthetic import make_customers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--scheme", default="A")
    parser.add_argument("--sample", type=int, default=100_000, help="fit_sample_size")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    customers = make_customers(args.rows, seed=args.seed, noise=0.35)
    print(f"rows {args.rows:,}  generated in {time.perf_counter() - started:.1f} s")
    config = get_scheme(args.scheme)

    started = time.perf_counter()
    full = fit_scheme(customers, config, "full")
    print(f"fit_scheme, all rows:            {time.perf_counter() - started:6.1f} s")
    started = time.perf_counter()
    artifacts = result_to_artifacts(full)
    print(f"result_to_artifacts ({len(artifacts):,} rows): {time.perf_counter() - started:6.1f} s")
    started = time.perf_counter()
    scored = score(customers, full)
    print(f"score all rows:                  {time.perf_counter() - started:6.1f} s")
    assert (scored["segment_code"] == full.assignments["segment_code"]).all()

    sampled_config = dataclasses.replace(config, fit_sample_size=args.sample)
    started = time.perf_counter()
    sampled = fit_scheme(customers, sampled_config, "sampled")
    print(f"fit_scheme, fit_sample_size {args.sample:,}: {time.perf_counter() - started:6.1f} s")
    ari = adjusted_rand_score(full.assignments["segment_code"], sampled.assignments["segment_code"])
    same = (full.assignments["segment_code"] == sampled.assignments["segment_code"]).mean()
    print(f"sample fit vs full fit: adjusted Rand index {ari:.4f}, same segment {same:.2%}")
    print(
        f"full fit: KMO {full.factor_step.kmo_overall}, cv hit rate "
        f"{full.discrimination.hit_rates.loc['leave_one_out', 'overall']:.4f}"
    )


if __name__ == "__main__":
    main()
