"""Proves the Dockerfile's runtime stage is complete without a Docker engine.

1. Reads the runtime packages from the Dockerfile's `# runtime-packages` RUN
   line (the one list; nothing else names them).
2. Resolves, with apt against an empty dpkg status, every package a fresh
   debian:bookworm-slim plus those packages holds: the `Priority: required`
   set and apt (what the slim image is made of) and the runtime packages with
   their dependencies, without recommends, as the Dockerfile installs them.
3. `apt-get download`s them (cached) and unpacks them with `dpkg -x` into a
   fresh folder, copies in the release binaries and tasks/.
4. For every executable product of the package: lists its shared libraries
   with the folder's own dynamic loader (every one must resolve inside the
   folder), then runs a smoke command (`<exe> --help`) inside the folder, as
   uid 10001 under chroot when we are root (CI is), otherwise through the
   folder's loader with its library path only.

Usage: python3 infra/tests/runtime_stage.py [--bin-dir DIR] [--work DIR]
(without --bin-dir it runs `swift build -c release --static-swift-stdlib`).
PYRAMYDAL_RUNTIME_STAGE_NO_CHROOT=1 uses the loader path even as root.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FONT = "usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LOADER = "lib64/ld-linux-x86-64.so.2"
LIB_DIRS = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib", "usr/lib"]


def runtime_packages(dockerfile_text: str) -> list[str]:
    """The packages of the RUN line after `# runtime-packages`."""
    after = dockerfile_text.split("# runtime-packages", 1)[1]
    run = re.search(r"^RUN (.*?)(?<!\\)\n", after, re.S | re.M).group(1)
    install = re.search(r"apt-get install -y --no-install-recommends ([^\\&]+)", run).group(1)
    return install.split()


def sh(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), check=True, text=True, **kw)


def resolve(packages: list[str], work: Path) -> list[tuple[str, str]]:
    """(name, version) of every package of a slim image plus `packages`."""
    dump = sh("apt-cache", "dumpavail", capture_output=True).stdout
    required, name = set(), None
    for line in dump.splitlines():
        if line.startswith("Package: "):
            name = line.split(" ", 1)[1]
        elif line == "Priority: required" and name:
            required.add(name)
    if not required:
        raise SystemExit("runtime-stage: apt knows no packages; run `apt-get update` first")
    empty = work / "empty-dpkg-status"
    empty.write_text("")
    out = sh("apt-get", "-s", "-q", "-o", f"Dir::State::Status={empty}", "install",
             "--no-install-recommends", *sorted(required), "apt", *packages,
             capture_output=True).stdout
    found = re.findall(r"^Inst (\S+) \((\S+) ", out, re.M)
    names = {n.split(":")[0] for n, _ in found}
    missing = [p for p in packages if p not in names]
    if missing:
        raise SystemExit(f"runtime-stage: apt did not resolve {missing}")
    return [(n.split(":")[0], v) for n, v in found]


def download(pkgs: list[tuple[str, str]], cache: Path) -> list[Path]:
    cache.mkdir(parents=True, exist_ok=True)

    def deb_of(name: str, version: str) -> Path | None:
        quoted = version.replace(":", "%3a")
        hits = list(cache.glob(f"{name}_{quoted}_*.deb"))
        return hits[0] if hits else None

    wanted = [f"{n}={v}" for n, v in pkgs if deb_of(n, v) is None]
    if wanted:
        print(f"runtime-stage: downloading {len(wanted)} packages", flush=True)
        sh("apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", *wanted, cwd=cache, stdout=subprocess.DEVNULL)
    debs = []
    for n, v in pkgs:
        deb = deb_of(n, v)
        if deb is None:
            raise SystemExit(f"runtime-stage: {n}={v} was not downloaded")
        debs.append(deb)
    return debs


DEV_ONLY_EXECUTABLES = {"JobQueueBench", "WorkbookBench", "pyramydal-test-worker"}


def executables(bin_dir: Path | None) -> tuple[Path, list[str]]:
    described = json.loads(sh("swift", "package", "describe", "--type", "json",
                              cwd=ROOT, capture_output=True).stdout)
    # Benchmarks and the queue tests' trivial worker are built for this
    # machine only; they are not part of the image.
    names = sorted(p["name"] for p in described["products"]
                   if "executable" in p["type"] and p["name"] not in DEV_ONLY_EXECUTABLES)
    if bin_dir is None:
        print("runtime-stage: swift build -c release --static-swift-stdlib", flush=True)
        sh("swift", "build", "-c", "release", "--static-swift-stdlib", cwd=ROOT, stdout=subprocess.DEVNULL)
        bin_dir = Path(sh("swift", "build", "-c", "release", "--static-swift-stdlib", "--show-bin-path",
                          cwd=ROOT, capture_output=True).stdout.strip())
    return bin_dir, names


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", type=Path, help="release binaries already built")
    parser.add_argument("--work", type=Path, default=ROOT / ".build-infra" / "runtime-stage")
    args = parser.parse_args()

    dockerfile = (ROOT / "Dockerfile").read_text()
    packages = runtime_packages(dockerfile)
    image_executables = re.search(r'^ARG EXECUTABLES="([^"]+)"', dockerfile, re.M).group(1).split()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)

    bin_dir, products = executables(args.bin_dir)
    failures = []
    left_out = [p for p in products if p not in image_executables]
    if left_out:
        failures.append(f"executable products not copied into the image (Dockerfile ARG EXECUTABLES): {left_out}")
    not_yet = [e for e in image_executables if e not in products]
    if not_yet:
        print(f"runtime-stage: note: {not_yet} are in the Dockerfile but not (yet) products of the package")

    pkgs = resolve(packages, work)
    debs = download(pkgs, work / "debs")
    rootfs = work / "rootfs"
    if rootfs.exists():
        shutil.rmtree(rootfs)
    rootfs.mkdir()
    for deb in debs:
        sh("dpkg", "-x", str(deb), str(rootfs))
    print(f"runtime-stage: {len(debs)} packages unpacked ({len(packages)} named in the Dockerfile)")

    dest = rootfs / "usr" / "local" / "bin"
    dest.mkdir(parents=True, exist_ok=True)
    for name in products:
        shutil.copy2(bin_dir / name, dest / name)
    shutil.copytree(ROOT / "tasks", rootfs / "home" / "pyramydal" / "tasks")
    (rootfs / "tmp").mkdir(exist_ok=True)
    os.chmod(rootfs / "tmp", 0o1777)

    for path in [FONT, LOADER, "usr/share/ca-certificates/mozilla"]:
        if not (rootfs / path).exists():
            failures.append(f"{path} is missing from the runtime packages")

    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    as_root = (os.geteuid() == 0 and os.path.exists(chroot)
               and os.environ.get("PYRAMYDAL_RUNTIME_STAGE_NO_CHROOT") != "1")
    if as_root:
        sh(chroot, str(rootfs), "/sbin/ldconfig")  # what libc-bin's trigger does in the image
        # A container has /proc; Swift's runtime reads the command line from it.
        (rootfs / "proc").mkdir(exist_ok=True)
        sh("mount", "-t", "proc", "proc", str(rootfs / "proc"))
    lib_path = ":".join(str(rootfs / d) for d in LIB_DIRS)

    for name in products:
        exe = f"/usr/local/bin/{name}"
        if as_root:
            listed = subprocess.run([chroot, str(rootfs), f"/{LOADER}", "--list", exe],
                                    text=True, capture_output=True)
        else:
            listed = subprocess.run([str(rootfs / LOADER), "--inhibit-cache", "--library-path", lib_path,
                                     "--list", str(rootfs / exe.lstrip("/"))], text=True, capture_output=True)
        libs = re.findall(r"^\s*(\S+) => (.+?) \(0x", listed.stdout, re.M)
        bad = [f"{lib} => {where}" for lib, where in libs
               if where == "not found" or (not as_root and not where.startswith(str(rootfs)))]
        if listed.returncode != 0 or bad or not libs:
            failures.append(f"{name}: unresolved shared libraries {bad or listed.stderr.strip()}")
            continue
        if as_root:
            smoke = subprocess.run([chroot, "--userspec=10001:10001", str(rootfs), exe, "--help"],
                                   text=True, capture_output=True, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"})
        else:
            smoke = subprocess.run([str(rootfs / LOADER), "--inhibit-cache", "--library-path", lib_path,
                                    str(rootfs / exe.lstrip("/")), "--help"], text=True, capture_output=True)
        if smoke.returncode != 0:
            failures.append(f"{name} --help exited {smoke.returncode}: {(smoke.stderr or smoke.stdout).strip()[:300]}")
            continue
        how = "chroot as uid 10001" if as_root else "the folder's loader"
        print(f"runtime-stage: {name}: {len(libs)} shared libraries resolved in the folder, --help ran ({how})")

    if as_root:
        subprocess.run(["umount", str(rootfs / "proc")], check=False)
    for failure in failures:
        print(f"runtime-stage: FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
