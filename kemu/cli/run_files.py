"""`--coverage FILE.info` and `--report FILE.json`: the options and their handling, shared by
`kemu shell` and `kemu trace` (kemu.kernel.run_outputs does the recording and writing)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from kemu.kernel.run_outputs import OutputPathError, RunOutputs


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--coverage", metavar="FILE.info", default=None,
                        help="record line and branch coverage of module code; write an lcov tracefile "
                             "(genhtml makes HTML of it) and print a per-file summary on stderr")
    parser.add_argument("--report", metavar="FILE.json", default=None,
                        help="write the run report: modules, service calls, oopses, leaks, coverage "
                             "(docs/run-report.md)")


def start_outputs(args: argparse.Namespace, tool: str, system: Any) -> RunOutputs | None:
    """Start recording on `system` as the options ask; None (after saying why on stderr)
    when an output path is unusable."""
    outputs = RunOutputs(tool, coverage_path=args.coverage, report_path=args.report,
                         test_name=tool.replace(" ", "_"))
    if not outputs.active:
        return outputs
    try:
        outputs.check_paths()
    except OutputPathError as exc:
        print(f"{tool}: {exc}", file=sys.stderr)
        return None
    outputs.attach(system, args.system)
    return outputs


def finish_outputs(outputs: RunOutputs, tool: str, system: Any) -> bool:
    """Stop recording, write the files and print the coverage summary; False when a file
    could not be written (said on stderr)."""
    if not outputs.active:
        return True
    outputs.detach(system)
    try:
        summary = outputs.write()
    except OutputPathError as exc:
        print(f"{tool}: {exc}", file=sys.stderr)
        return False
    if summary:
        sys.stderr.write(summary)
        sys.stderr.flush()
    return True
