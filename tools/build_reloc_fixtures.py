#!/usr/bin/env python3
"""Build the linker's relocation fixtures: guest/reloc/*.s with `as`, guest/linkc/*.c with gcc and
clang, into fixtures/reloc/, and write fixtures/reloc/MANIFEST.json.

Assembly sources carry their link parameters in header comments, which the manifest records
for the tests:

    # kemu-link: base=0xffffffff80000000        where the test links the object
    # kemu-sym: NAME = EXPR                      an external's address (EXPR: ints, base, + -)
    # kemu-as: FLAGS                             extra assembler flags
    # kemu-expect: ErrorClass WORD...            the link must fail with this error naming WORDs

C objects are built for each compiler in CONFIGS; their externals get addresses at test time.
The manifest holds every command, the tool versions and each object's sha256, so
`--check` (and tests/link/test_fixture_rebuild.py) can prove the committed objects are what
the sources and tools produce.

    python3 tools/build_reloc_fixtures.py           # rebuild everything
    python3 tools/build_reloc_fixtures.py --check   # rebuild into a temp dir, compare hashes
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import operator
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASM_DIR = ROOT / "guest" / "reloc"
C_DIR = ROOT / "guest" / "linkc"
OUT = ROOT / "fixtures" / "reloc"
MANIFEST = OUT / "MANIFEST.json"

ARCH_AS_FLAG = {"i386": "--32", "x86_64": "--64"}
DEFAULT_BASE = {"i386": 0xC0800000, "x86_64": 0xFFFFFFFF80000000}
COMMON_C_FLAGS = ["-c", "-ffreestanding", "-fno-stack-protector", "-fdebug-prefix-map={root}=.",
                  "-fno-ident"]
# config name -> (arch, flags). The kernel configurations are the point; the PIC ones give
# real compiler output for the GOT family.
CONFIGS = {
    "i386-O0": ("i386", ["-m32", "-fno-pic", "-O0", "-g"]),
    "i386-O2": ("i386", ["-m32", "-fno-pic", "-O2"]),
    "x86_64-kernel-O0": ("x86_64", ["-m64", "-mcmodel=kernel", "-mno-red-zone", "-fno-pic",
                                    "-O0", "-g"]),
    "x86_64-kernel-O2": ("x86_64", ["-m64", "-mcmodel=kernel", "-mno-red-zone", "-fno-pic",
                                    "-O2"]),
    "i386-pic-O2": ("i386", ["-m32", "-fpic", "-O2"]),
    "x86_64-pic-O2": ("x86_64", ["-m64", "-fpic", "-mno-red-zone", "-O2"]),
    "x86_64-largepic-O2": ("x86_64", ["-m64", "-fpic", "-mcmodel=large", "-mno-red-zone", "-O2"]),
}
COMPILERS = ("gcc", "clang")

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub}


def evaluate(expr: str, base: int) -> int:
    """Value of a `# kemu-sym` expression: integers, `base`, + and - (modulo 2**64)."""
    def ev(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id == "base":
            return base
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        raise ValueError(f"unsupported expression {expr!r}")
    return ev(ast.parse(expr, mode="eval")) % (1 << 64)


def parse_header(path: Path, arch: str) -> dict:
    """The `# kemu-...` directives of an assembly source."""
    info = {"base": DEFAULT_BASE[arch], "symbols": {}, "as_flags": [], "expect": None}
    text = path.read_text()
    for m in re.finditer(r"^#\s*kemu-link:\s*base=(\S+)", text, re.M):
        info["base"] = int(m.group(1), 0)
    for m in re.finditer(r"^#\s*kemu-as:\s*(.+)$", text, re.M):
        info["as_flags"] += m.group(1).split()
    for m in re.finditer(r"^#\s*kemu-sym:\s*(\w+)\s*=\s*(.+?)\s*$", text, re.M):
        value = evaluate(m.group(2), info["base"])
        if arch == "i386":
            value &= 0xFFFFFFFF
        info["symbols"][m.group(1)] = value
    for m in re.finditer(r"^#\s*kemu-expect:\s*(\w+)\s*(.*)$", text, re.M):
        info["expect"] = {"error": m.group(1), "mentions": m.group(2).split()}
    return info


def tool_version(tool: str) -> str:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].strip() if out else "unknown"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"build_reloc_fixtures: {' '.join(cmd)} failed:\n{proc.stderr}")


def plan() -> list[dict]:
    """Every fixture to build: its command (paths relative to the repo root) and metadata."""
    items = []
    for arch in ("i386", "x86_64"):
        for src in sorted((ASM_DIR / arch).glob("*.s")):
            info = parse_header(src, arch)
            rel_out = f"fixtures/reloc/{arch}/{src.stem}.o"
            cmd = ["as", ARCH_AS_FLAG[arch], *info["as_flags"], "-o", "{out}",
                   str(src.relative_to(ROOT))]
            items.append({"object": rel_out, "tool": "as", "command": cmd, "arch": arch,
                          "base": info["base"], "symbols": info["symbols"],
                          "expect": info["expect"], "kind": "asm"})
    for src in sorted(C_DIR.glob("*.c")):
        for compiler in COMPILERS:
            for config, (arch, flags) in CONFIGS.items():
                rel_out = f"fixtures/reloc/c/{compiler}/{config}/{src.stem}.o"
                cmd = [compiler, *COMMON_C_FLAGS, *flags, "-o", "{out}",
                       str(src.relative_to(ROOT))]
                items.append({"object": rel_out, "tool": compiler, "command": cmd,
                              "arch": arch, "base": DEFAULT_BASE[arch], "symbols": {},
                              "expect": None, "kind": "c", "config": config})
    return items


def build(items: list[dict], out_root: Path) -> dict[str, str]:
    hashes = {}
    for item in items:
        out = out_root / item["object"]
        out.parent.mkdir(parents=True, exist_ok=True)
        _run([str(out) if a == "{out}" else a.replace("{root}", str(ROOT))
              for a in item["command"]])
        hashes[item["object"]] = sha256(out)
    return hashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild into a temporary directory and compare with the manifest")
    args = parser.parse_args(argv)
    items = plan()
    tools = sorted({i["tool"] for i in items})
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        print(f"build_reloc_fixtures: missing tools: {', '.join(missing)}", file=sys.stderr)
        return 2
    versions = {t: tool_version(t) for t in tools}
    if args.check:
        manifest = json.loads(MANIFEST.read_text())
        with tempfile.TemporaryDirectory() as tmp:
            hashes = build(items, Path(tmp))
        bad = 0
        for obj, digest in hashes.items():
            entry = manifest["objects"].get(obj)
            if entry is None:
                print(f"{obj}: not in the manifest")
                bad += 1
            elif manifest["tools"].get(entry["tool"]) != versions[entry["tool"]]:
                print(f"{obj}: skipped ({entry['tool']} is {versions[entry['tool']]!r}, "
                      f"fixtures were built with {manifest['tools'].get(entry['tool'])!r})")
            elif entry["sha256"] != digest:
                print(f"{obj}: rebuilt sha256 {digest} differs from the manifest's {entry['sha256']}")
                bad += 1
        print(f"{len(hashes)} objects checked, {bad} mismatches")
        return 1 if bad else 0
    if OUT.exists():
        for old in OUT.rglob("*.o"):
            old.unlink()
    hashes = build(items, ROOT)
    objects = {}
    for item in items:
        entry = {k: v for k, v in item.items() if k not in ("object",) and v is not None}
        entry["command"] = " ".join(item["command"]).replace("{out}", item["object"])
        entry["symbols"] = {k: f"{v:#x}" for k, v in item["symbols"].items()}
        entry["base"] = f"{item['base']:#x}"
        entry["sha256"] = hashes[item["object"]]
        objects[item["object"]] = entry
    MANIFEST.write_text(json.dumps({"tools": versions, "objects": objects}, indent=1,
                                   sort_keys=True) + "\n")
    print(f"built {len(objects)} objects into {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
