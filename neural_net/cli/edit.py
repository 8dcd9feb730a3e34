"""The commands that change a run: ``tag``, ``note``, ``rename``, ``delete``."""
from __future__ import annotations

import argparse
import sys

from .exit_codes import OK
from .output import display_url
from .references import _locate


def _tag(args: argparse.Namespace) -> int:
    run = _locate(args)
    for item in args.tags:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"tag: expected key=value (key= removes the tag), got {item!r}")
        run.set_tag(key.strip(), value if value != "" else None)
    shown = ", ".join(f"{k}={v}" for k, v in run.tags.items()) or "none"
    print(f"run {run.run_id}: tags {shown}")
    return OK


def _note(args: argparse.Namespace) -> int:
    run = _locate(args)
    run.set_note(args.text if args.text else None)
    print(f"run {run.run_id}: " + (f"note set ({len(args.text)} characters)" if args.text else "note cleared"))
    return OK


def _rename(args: argparse.Namespace) -> int:
    run = _locate(args)
    old = run.name
    run.rename(args.name)
    print(f"run {run.run_id}: renamed {old!r} to {args.name!r}")
    return OK


def _delete(args: argparse.Namespace) -> int:
    run = _locate(args)
    what = f"run {run.run_id} ({run.name!r}, {run.row.get('status')}, {run.row.get('epochs')} epochs) from " \
           f"{display_url(run.db_path)}"
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValueError(f"refusing to delete {what} without --yes (standard input is not a terminal)")
        if input(f"delete {what}? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return OK
    removed = run.delete(remove_empty_file=True)
    print(f"deleted {what}" + ("; the file held no other run and was removed" if removed else ""))
    return OK
