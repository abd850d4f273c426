"""The ``synthgan`` command: parses options, calls the Python API, maps errors to exit code 2."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

from synthgan.errors import SynthganError

FIT_EXAMPLES = """\
examples:
  synthgan stocks fit                                  # S&P 500 1999-2018 (embedded), runs/stocks-<time>
  synthgan stocks fit --data nasdaq --out runs/ndx --steps 3000
  synthgan stocks fit --data sp500,nasdaq --out runs/joint   # two tickers, modelled jointly
  synthgan stocks fit --data prices.csv --out runs/mine      # Date,Open,High,Low,Close,Volume[,Ticker]
  synthgan stocks fit --data yahoo:AAPL,MSFT --out runs/big  # needs synthgan[yahoo] and internet
  synthgan stocks fit --out runs/sp500 --resume --steps 3000 # continue (or extend) a run
  synthgan stocks fit --dry-run                              # check data and settings, train nothing
  torchrun --nproc-per-node 2 -m synthgan stocks fit --out runs/ddp   # data-parallel
"""

SAMPLE_EXAMPLES = """\
examples:
  synthgan stocks sample runs/sp500 --paths 100 --length 252 --out synthetic.csv
  synthgan stocks sample runs/sp500 --paths 1000 --length 2520 --seed 7 --out ten_years.parquet
  synthgan stocks sample runs/sp500 --paths 10 --length 63 --start-date 2030-01-02 --start-price 100 --out q.csv
"""


def _add_stock_fit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit",
        help="train a GAN on daily OHLCV bars",
        description="Train the default TCN WGAN-GP on daily OHLCV bars and write a run folder "
        "(config.json, preprocess.json, metrics.jsonl, checkpoints/, model/).",
        epilog=FIT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data",
        default="sp500",
        help="sp500 | nasdaq | sp500,nasdaq | FILE.csv | FILE.parquet | yahoo:T1,T2 (default: sp500)",
    )
    p.add_argument(
        "--out", type=Path, default=None, help="run folder (default: runs/stocks-YYYYmmdd-HHMMSS)"
    )
    p.add_argument("--steps", type=int, default=None, help="generator steps (default 1500)")
    p.add_argument(
        "--epochs",
        type=float,
        default=None,
        help="passes over the training windows instead of --steps",
    )
    p.add_argument(
        "--window", type=int, default=None, help="days per training window (default 128)"
    )
    p.add_argument(
        "--batch-size", type=int, default=None, help="windows per batch per process (default 64)"
    )
    p.add_argument(
        "--lr-g", type=float, default=None, help="generator learning rate (default 3e-4)"
    )
    p.add_argument("--lr-d", type=float, default=None, help="critic learning rate (default 6e-4)")
    p.add_argument(
        "--holdout",
        type=float,
        default=None,
        help="latest share of days kept out of training (default 0.2)",
    )
    p.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop (with a checkpoint) after this much time",
    )
    p.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    p.add_argument(
        "--device",
        default="auto",
        help="auto | cpu | cuda | cuda:N (default auto: CUDA when present)",
    )
    p.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its latest checkpoint"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="load and check data and settings, then exit"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other setting of config.json, e.g. --set hidden=32 --set dilations=1,2,4,8",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_stocks_fit)


def _add_stock_sample(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample",
        help="generate synthetic price paths from a run",
        description="Generate synthetic OHLCV paths in long format "
        "(path, date, ticker, open, high, low, close, volume) to CSV or Parquet.",
        epilog=SAMPLE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", type=Path, help="run folder written by `synthgan stocks fit`")
    p.add_argument("--paths", type=int, default=100, help="number of paths (default 100)")
    p.add_argument("--length", type=int, default=252, help="business days per path (default 252)")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="sampling seed; path i of seed s never depends on --paths",
    )
    p.add_argument(
        "--start-date",
        default=None,
        help="first date (default: next business day after the training data)",
    )
    p.add_argument(
        "--start-price",
        type=float,
        default=None,
        help="start every path at this close (default: a real day's)",
    )
    p.add_argument("--out", type=Path, required=True, help="output file, .csv or .parquet")
    p.set_defaults(func=_stocks_sample)


EVAL_EXAMPLES = """\
examples:
  synthgan stocks evaluate runs/sp500 --report report.html
  synthgan stocks evaluate runs/sp500 --baselines garch --repeats 3 --report quick.html
  synthgan stocks evaluate runs/mine --data prices.csv --baselines garch,bootstrap
"""


def _add_stock_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="compare a run's samples with real data and baselines",
        description="Fidelity (stylized facts, distribution tests, correlations, TimeGAN "
        "discriminative and predictive scores), utility (train on synthetic, test on real) and "
        "privacy (distance to closest record, membership inference) of a run, beside GJR-GARCH "
        "and block-bootstrap baselines. Writes RUN/eval/metrics.json and an HTML report.",
        epilog=EVAL_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", type=Path, help="run folder written by `synthgan stocks fit`")
    p.add_argument(
        "--data", default=None, help="real data (default: the data the run was trained on)"
    )
    p.add_argument(
        "--baselines", default="garch,bootstrap", help="comma list of garch, bootstrap, or none"
    )
    p.add_argument(
        "--paths",
        type=int,
        default=200,
        help="synthetic paths for the stylized facts (default 200)",
    )
    p.add_argument("--length", type=int, default=252, help="days per path (default 252)")
    p.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="repeats of the discriminative/predictive scores (default 5)",
    )
    p.add_argument("--seed", type=int, default=0, help="evaluation seed")
    p.add_argument(
        "--iterations",
        type=int,
        default=2000,
        help="GRU training iterations of the scores (default 2000, as TimeGAN)",
    )
    p.add_argument(
        "--report", type=Path, default=None, help="HTML report path (default RUN/eval/report.html)"
    )
    p.set_defaults(func=_stocks_evaluate)


def _stocks_evaluate(args: argparse.Namespace) -> int:
    from synthgan.config import read_json
    from synthgan.stocks.data import load_data
    from synthgan.stocks.evaluate import evaluate_run

    spec = args.data or read_json(args.run / "preprocess.json").get("source", "sp500")
    df = load_data(spec)
    baselines = (
        [] if args.baselines in ("", "none") else [b.strip() for b in args.baselines.split(",")]
    )
    report = args.report or args.run / "eval" / "report.html"
    res = evaluate_run(
        args.run,
        df,
        baselines,
        args.paths,
        args.length,
        args.repeats,
        args.seed,
        args.iterations,
        report,
    )
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(res["headline"]).T.round(4).to_string())
    print(
        f"evaluation took {res['seconds']} s; wrote {args.run / 'eval' / 'metrics.json'} and {report}"
    )
    return 0


IMAGE_FIT_EXAMPLES = """\
examples:
  synthgan images fit --data digits --out runs/digits               # embedded 8x8 digits, upscaled
  synthgan images fit --data fashion-mnist --conditional --out runs/fm
  synthgan images fit --data photos/ --size 64 --out runs/photos    # class subfolders give labels
  synthgan images fit --data faces.npz --recipe classic --out runs/classic   # PyTorch DCGAN example
  synthgan images fit --out runs/digits --resume --steps 4000
"""

IMAGE_SAMPLE_EXAMPLES = """\
examples:
  synthgan images sample runs/digits --n 64 --out grid.png
  synthgan images sample runs/fm --n 64 --label 3 --out dresses.png
  synthgan images sample runs/fm --n 1000 --seed 1 --out samples/        # PNG per image
  synthgan images sample runs/fm --n 1000 --out samples.npz
"""

IMAGE_EVALUATE_EXAMPLES = """\
examples:
  synthgan images evaluate runs/fm                          # RUN/eval/report.html
  synthgan images evaluate runs/digits --report digits.html --n 2000

The first evaluation of a data set trains its feature network (about 75 s for Fashion-MNIST on
2 CPU cores) and caches it in $SYNTHGAN_CACHE (default ~/.cache/synthgan).
"""


def _add_images(top: argparse._SubParsersAction) -> None:
    images = top.add_parser(
        "images",
        help="synthetic images (DCGAN family)",
        description="Synthetic images (DCGAN family).",
    )
    sub = images.add_subparsers(dest="command", metavar="{fit,sample,evaluate}", required=True)
    p = sub.add_parser(
        "fit",
        help="train a DCGAN",
        description="Train a DCGAN (spectral norm + hinge loss + EMA + DiffAugment by default) and write a run folder.",
        epilog=IMAGE_FIT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data",
        default="digits",
        help="digits | fashion-mnist | IDX_DIR | IMAGE_DIR | FILE.npz (default digits)",
    )
    p.add_argument(
        "--out", type=Path, default=None, help="run folder (default runs/images-YYYYmmdd-HHMMSS)"
    )
    p.add_argument(
        "--size",
        type=int,
        default=None,
        help="28, 32 or 64 pixels (default: 32 for digits, else the data's size)",
    )
    p.add_argument("--conditional", action="store_true", help="class-conditional model")
    p.add_argument(
        "--holdout",
        type=float,
        default=None,
        help="share of images held out as the test split when the data has none (default 0.2)",
    )
    p.add_argument(
        "--recipe",
        choices=["default", "classic"],
        default="default",
        help="default, or classic (BCE, Adam 2e-4 beta1 0.5, no SN)",
    )
    p.add_argument("--steps", type=int, default=None, help="training steps (default 2000)")
    p.add_argument(
        "--batch-size", type=int, default=None, help="images per batch per process (default 64)"
    )
    p.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop (with a checkpoint) after this much time",
    )
    p.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other setting, e.g. --set ngf=64",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument(
        "--dry-run", action="store_true", help="load and check data and settings, then exit"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_images_fit)
    p = sub.add_parser(
        "sample",
        help="generate images from a run",
        description="Generate uint8 images as a PNG grid, a folder of PNGs or an .npz file.",
        epilog=IMAGE_SAMPLE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", type=Path, help="run folder written by `synthgan images fit`")
    p.add_argument("--n", type=int, default=64, help="number of images (default 64)")
    p.add_argument(
        "--label", type=int, default=None, help="class of every image (conditional models)"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="sampling seed; image i of seed s never depends on --n"
    )
    p.add_argument("--out", type=Path, required=True, help="grid.png | FILE.npz | FOLDER/")
    p.set_defaults(func=_images_sample)
    p = sub.add_parser(
        "evaluate",
        help="score a run against its real test split and write an HTML report",
        description=(
            "Score samples against the real test split on the features of a CNN trained on the "
            "real training split (cached per data set): Frechet distance, KID, precision/recall, "
            "density/coverage, with the real training split's own scores as the floor; class "
            "balance, memorisation (nearest training images) and, for conditional models, "
            "train-on-synthetic test-on-real accuracy. Writes RUN/eval/metrics.json and a report."
        ),
        epilog=IMAGE_EVALUATE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", type=Path, help="run folder written by `synthgan images fit`")
    p.add_argument(
        "--report", type=Path, default=None, help="HTML report (default RUN/eval/report.html)"
    )
    p.add_argument(
        "--n",
        type=int,
        default=10000,
        help="samples scored (at most the test split; default 10000)",
    )
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument(
        "--classifier-steps",
        type=int,
        default=1000,
        help="training steps of the feature network and the TSTR classifier (default 1000)",
    )
    p.add_argument(
        "--inception",
        type=Path,
        default=os.environ.get("SYNTHGAN_INCEPTION"),
        help="local TorchScript Inception-v3 (StyleGAN's inception-2015-12-05.pt) to add the "
        "standard FID/KID; default $SYNTHGAN_INCEPTION; never downloaded",
    )
    p.set_defaults(func=_images_evaluate)


def _data_fetch(args: argparse.Namespace) -> int:
    from synthgan.images.data import FASHION_URL, fetch_fashion_mnist

    dest = fetch_fashion_mnist(args.dest, args.mirror or FASHION_URL)
    print(f"fashion-mnist: 4 files checked (SHA-256) in {dest}")
    return 0


def _images_evaluate(args: argparse.Namespace) -> int:
    from synthgan.images.evaluate import evaluate_run

    report = args.report or args.run / "eval" / "report.html"
    res = evaluate_run(
        args.run,
        n=args.n,
        seed=args.seed,
        classifier_steps=args.classifier_steps,
        report=report,
        inception=args.inception,
    )
    feat = res["feature_network"]
    print(f"feature network: {feat['task']}, test accuracy {feat['test_accuracy']:.3f}")
    rows = [("", "synthetic", "real train (floor)")]
    keys = ["fd", "kid", "precision", "recall", "density", "coverage"]
    for key in keys + [
        k for k in ("inception_fid", "inception_kid") if k in res["scores"]["synthetic"]
    ]:
        rows.append(
            (
                key,
                f"{res['scores']['synthetic'][key]:.4g}",
                f"{res['scores']['real train (floor)'][key]:.4g}",
            )
        )
    for r in rows:
        print(f"{r[0]:<10} {r[1]:>12} {r[2]:>20}")
    memo = res["memorisation"]
    print(
        f"memorisation: distance ratio {memo['ratio']:.3f}, near copies {memo['near_copies']:.3f}"
    )
    if "tstr" in res:
        t = res["tstr"]
        print(
            f"train on synthetic, test on real: {t['synthetic_train_real_test']:.3f} "
            f"(train on real: {t['real_train_real_test']:.3f})"
        )
    print(
        f"evaluation took {res['seconds']} s; wrote {args.run / 'eval' / 'metrics.json'} and {report}"
    )
    return 0


def _images_fit(args: argparse.Namespace) -> int:
    from synthgan.config import ImageConfig, from_dict, read_json
    from synthgan.images.data import load_images
    from synthgan.images.synthesizer import ImageSynthesizer

    out = args.out or Path("runs") / f"images-{datetime.now():%Y%m%d-%H%M%S}"
    holdout = 0.2 if args.holdout is None else args.holdout
    data = load_images(args.data, args.size, "train", holdout)
    kw = {
        "seed": args.seed,
        "device": args.device,
        "progress": not args.quiet,
        "conditional": args.conditional,
        "size": int(data.images.shape[-1]),
        "holdout_fraction": holdout,
        **_parse_set(args.set),
    }
    for name, key in (
        ("steps", "steps"),
        ("batch_size", "batch_size"),
        ("max_minutes", "max_minutes"),
    ):
        if getattr(args, name) is not None:
            kw[key] = getattr(args, name)
    if args.resume:
        base = from_dict(ImageConfig, read_json(out / "config.json"))
    else:
        base = ImageConfig.classic() if args.recipe == "classic" else ImageConfig()
    syn = ImageSynthesizer(base, **kw)
    n, c, h, _ = data.images.shape
    print(
        f"data: {data.source}: {n} images {c}x{h}x{h}"
        + (f", {data.n_classes} classes" if data.labels is not None else ", unlabelled")
    )
    if args.dry_run:
        from synthgan.images.synthesizer import _seeded_family

        fam = _seeded_family(h, c, data.n_classes if args.conditional else 0, syn.config)
        n_g = sum(p.numel() for p in fam.generator.parameters())
        n_d = sum(p.numel() for p in fam.discriminator.parameters())
        print(
            f"model: generator {n_g:,} parameters, discriminator {n_d:,}; loss {syn.config.model.loss}"
        )
        print(f"dry run: nothing trained, nothing written (would write {out})")
        return 0
    t0 = time.perf_counter()
    syn.fit(data, run_dir=out, resume=args.resume)
    if syn.result.interrupted:
        print(f"interrupted at step {syn.result.step}; checkpoint saved. Continue with --resume")
        return 130
    print(f"trained {syn.result.step} steps in {time.perf_counter() - t0:.0f} s; run folder: {out}")
    print(f"next: synthgan images sample {out} --n 64 --out grid.png")
    return 0


def _images_sample(args: argparse.Namespace) -> int:
    from synthgan.images.synthesizer import ImageSynthesizer, write_images

    syn = ImageSynthesizer.load(args.run)
    imgs = syn.sample(args.n, labels=args.label, seed=args.seed)
    what = write_images(imgs, args.out, seed=args.seed)
    print(f"wrote {what} to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``synthgan`` command."""
    parser = argparse.ArgumentParser(
        prog="synthgan",
        description="Train GANs that generate realistic synthetic stock bars (and images).",
        epilog="examples:\n  synthgan stocks fit --out runs/sp500\n"
        "  synthgan stocks sample runs/sp500 --paths 100 --length 252 --out synthetic.csv\n"
        "  synthgan demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    top = parser.add_subparsers(dest="pipeline", metavar="{stocks,images,data,demo}")
    stocks = top.add_parser(
        "stocks", help="synthetic daily OHLCV bars", description="Synthetic daily OHLCV bars."
    )
    sub = stocks.add_subparsers(dest="command", metavar="{fit,sample,evaluate}", required=True)
    _add_stock_fit(sub)
    _add_stock_sample(sub)
    _add_stock_evaluate(sub)
    _add_images(top)
    data = top.add_parser(
        "data",
        help="fetch public data sets (needs internet)",
        description="Download a public data set with checksums (the only command that goes online).",
    )
    dsub = data.add_subparsers(dest="command", metavar="{fetch}", required=True)
    p = dsub.add_parser(
        "fetch",
        help="download fashion-mnist into the synthgan cache (or --dest)",
        description="Download Fashion-MNIST's four IDX files and check their SHA-256. Not needed "
        "when Debian's dataset-fashion-mnist package is installed.",
        epilog="examples:\n  synthgan data fetch fashion-mnist\n"
        "  synthgan data fetch fashion-mnist --dest data/fm && synthgan images fit --data data/fm",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", choices=["fashion-mnist"], help="data set")
    p.add_argument("--dest", type=Path, default=None, help="folder (default: the synthgan cache)")
    p.add_argument("--mirror", default=None, help="base URL of a mirror holding the same files")
    p.set_defaults(func=_data_fetch)
    demo = top.add_parser(
        "demo",
        help="fit and sample stocks (S&P 500) and images (Fashion-MNIST or digits) in a few CPU minutes",
        description="Fit a small model on the embedded S&P 500 bars, sample 100 one-year paths and "
        "print their stylized facts beside the real ones; then fit a conditional DCGAN on "
        "Fashion-MNIST (when Debian's dataset-fashion-mnist is installed) or the embedded digits "
        "and write a grid of samples; then evaluate both and write both HTML reports "
        "(about 5 minutes on 2 CPU cores).",
        epilog="examples:\n  synthgan demo --out runs/demo\n"
        "  synthgan demo --smoke --steps 50 --image-steps 50   # installation check, under a minute",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--out", type=Path, default=Path("runs/demo"), help="run folder (default runs/demo)"
    )
    demo.add_argument("--steps", type=int, default=400, help="stock generator steps (default 400)")
    demo.add_argument(
        "--image-steps", type=int, default=1200, help="image generator steps (default 1200)"
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.add_argument(
        "--smoke",
        action="store_true",
        help="tiny evaluation settings, to check an installation quickly (figures not meaningful)",
    )
    demo.set_defaults(func=_demo)
    return parser


def _parse_set(items: list[str]) -> dict:
    """``KEY=VALUE`` strings -> settings; values parsed as JSON, commas making tuples."""
    import json

    from synthgan.errors import ConfigError

    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
        parts = [p.strip() for p in raw.split(",")]
        vals = []
        for p in parts:
            try:
                vals.append(json.loads(p))
            except json.JSONDecodeError:
                vals.append(p)
        out[key.strip().replace("-", "_")] = tuple(vals) if len(vals) > 1 else vals[0]
    return out


def _fit_kwargs(args: argparse.Namespace) -> dict:
    kw = {
        "seed": args.seed,
        "device": args.device,
        "progress": not args.quiet,
        **_parse_set(args.set),
    }
    for name, key in (
        ("steps", "steps"),
        ("window", "window"),
        ("batch_size", "batch_size"),
        ("lr_g", "lr_g"),
        ("lr_d", "lr_d"),
        ("holdout", "holdout_fraction"),
        ("max_minutes", "max_minutes"),
    ):
        if getattr(args, name) is not None:
            kw[key] = getattr(args, name)
    return kw


def _stocks_fit(args: argparse.Namespace) -> int:
    from synthgan.stocks.data import load_data
    from synthgan.stocks.synthesizer import StockSynthesizer
    from synthgan.train import distributed_info

    out = args.out or Path("runs") / f"stocks-{datetime.now():%Y%m%d-%H%M%S}"
    df = load_data(args.data)
    kw = _fit_kwargs(args)
    if args.resume:
        from synthgan.config import StockConfig, from_dict, read_json

        base = from_dict(StockConfig, read_json(out / "config.json"))
        syn = StockSynthesizer(base, **kw)
    else:
        syn = StockSynthesizer(**kw)
    _, win = syn.prepare(df, source=args.data)
    if args.epochs is not None:
        per_epoch = max(1, len(win) // syn.config.train.batch_size)
        syn.config = syn.config.replace(steps=max(1, round(args.epochs * per_epoch)))
    cfg = syn.config
    rank, world = distributed_info()
    say = print if rank == 0 else (lambda *a, **k: None)
    tickers = ", ".join(syn.preprocess["tickers"])
    say(
        f"data: {args.data} ({tickers}): {len(syn.preprocess['train_dates'])} training days "
        f"{syn.preprocess['train_dates'][0]}..{syn.preprocess['train_dates'][-1]}, "
        f"holdout from {syn.preprocess['holdout_start']}; {len(win)} windows of {cfg.data.window} days"
    )
    if args.dry_run:
        from synthgan.stocks.synthesizer import _seeded_family

        fam = _seeded_family(win.shape[1], syn.scaler.nonnegative, cfg)
        n_g = sum(p.numel() for p in fam.generator.parameters())
        n_d = sum(p.numel() for p in fam.discriminator.parameters())
        say(
            f"model: TCN generator {n_g:,} parameters (receptive field {fam.generator.rf} days), critic {n_d:,}"
        )
        say(
            f"training: {cfg.train.steps} steps x {cfg.model.n_critic} critic steps, batch {cfg.train.batch_size}, seed {cfg.train.seed}"
        )
        say(f"dry run: nothing trained, nothing written (would write {out})")
        return 0
    t0 = time.perf_counter()
    syn.fit(df, run_dir=out, resume=args.resume, source=args.data)
    res = syn.result
    if res.interrupted:
        say(
            f"interrupted at step {res.step}; checkpoint saved. Continue with: synthgan stocks fit --data {args.data} --out {out} --resume"
        )
        return 130
    say(f"trained {res.step} steps in {time.perf_counter() - t0:.0f} s; run folder: {out}")
    say(f"next: synthgan stocks sample {out} --paths 100 --length 252 --out synthetic.csv")
    return 0


def _stocks_sample(args: argparse.Namespace) -> int:
    from synthgan.stocks.synthesizer import StockSynthesizer, write_frame

    syn = StockSynthesizer.load(args.run)
    frame = syn.sample(
        args.paths,
        args.length,
        seed=args.seed,
        start_date=args.start_date,
        start_price=args.start_price,
    )
    write_frame(frame, args.out)
    print(
        f"wrote {args.paths} paths x {args.length} days x {frame.ticker.nunique()} ticker(s) = {len(frame):,} bars to {args.out}"
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from synthgan.images.data import load_images
    from synthgan.images.evaluate import evaluate_run as evaluate_images
    from synthgan.images.synthesizer import ImageSynthesizer, save_grid
    from synthgan.stocks.data import load_data
    from synthgan.stocks.evaluate import evaluate_run as evaluate_stocks
    from synthgan.stocks.metrics import summary_table
    from synthgan.stocks.synthesizer import StockSynthesizer, write_frame

    t0 = time.perf_counter()
    df = load_data("sp500")
    stocks_dir = args.out / "stocks"
    print(f"demo 1/4: fitting {args.steps} steps on the embedded S&P 500 bars into {stocks_dir}")
    syn = StockSynthesizer(steps=args.steps, progress=not args.quiet).fit(
        df, run_dir=stocks_dir, source="sp500"
    )
    frame = syn.sample(100, 252, seed=0)
    write_frame(frame, stocks_dir / "synthetic.csv")
    print(f"wrote {stocks_dir / 'synthetic.csv'} (100 paths x 252 days)")
    print(summary_table(df, frame, length=252).to_string())
    print("demo 2/4: evaluating the stock run against GJR-GARCH and a block bootstrap")
    stocks_report = stocks_dir / "eval" / "report.html"
    evaluate_stocks(
        stocks_dir, df, repeats=2, iterations=40 if args.smoke else 600, report=stocks_report
    )

    try:
        data, name = load_images("fashion-mnist"), "fashion-mnist"
    except SynthganError:
        data, name = load_images("digits", 32, "train", 0.2), "digits"
    images_dir = args.out / "images"
    print(
        f"demo 3/4: fitting a conditional DCGAN, {args.image_steps} steps on {name} into {images_dir}"
    )
    isyn = ImageSynthesizer(
        steps=args.image_steps,
        conditional=True,
        size=int(data.images.shape[-1]),
        progress=not args.quiet,
    )
    isyn.fit(data, run_dir=images_dir)
    grid = save_grid(isyn.sample(100, seed=0), images_dir / "grid.png", nrow=10)
    print(f"wrote {grid} (10 samples of each class, one class per column)")
    print("demo 4/4: evaluating the image run (the first time also trains its feature network)")
    images_report = images_dir / "eval" / "report.html"
    res = evaluate_images(
        images_dir,
        n=500 if args.smoke else 5000,
        classifier_steps=40 if args.smoke else 1000,
        report=images_report,
    )
    sc = res["scores"]
    print(
        f"FD {sc['synthetic']['fd']:.3g} (real floor {sc['real train (floor)']['fd']:.3g}), "
        f"recall {sc['synthetic']['recall']:.3f}, TSTR accuracy "
        f"{res['tstr']['synthetic_train_real_test']:.3f}"
    )
    print(f"demo done in {time.perf_counter() - t0:.0f} s. Open the reports:")
    print(f"  {stocks_report}\n  {images_report}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``synthgan`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from synthgan import __version__

        print(f"synthgan {__version__}")
        return 0
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
        try:
            return args.func(args)
        except SynthganError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    raise SystemExit(main())
