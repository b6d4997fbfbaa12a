"""The shared workspace's store from the command line: publish, list, withdraw and delete waves; manage users;
export the audit log.

::

    python -m analytics publish --survey FILE [FILE ...] [--hr FILE] [--absence FILE] [--mapping FILE]
           [--min-group K] [--organisation NAME] [--as EMAIL] [--store URL]
    python -m analytics waves [--store URL]
    python -m analytics withdraw --wave W [--as EMAIL] [--store URL]
    python -m analytics delete --wave W [--as EMAIL] [--store URL]
    python -m analytics users add EMAIL --role ROLE [--directorate D ...] [--team T ...] [--store URL]
    python -m analytics users list | users remove EMAIL [--store URL]
    python -m analytics audit [--out FILE.csv] [--store URL]

``--store`` defaults to the embedded SQLite file (:data:`analytics.settings.DEFAULT_STORE_URL`). User mistakes
(unknown wave, bad role, k below 5, an unreachable database) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from analytics import settings
from analytics.errors import InputError
from analytics.store import (add_user, audit_log, delete_wave, list_users, open_store, publish, published_waves,
                             remove_user, set_role, withdraw_wave)
from cli.report import spec_from_paths

#: Who a change is recorded as when ``--as`` is not given (the single local user of local mode).
LOCAL_USER = "local user"


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="URL", default=None,
                        help="database URL of the store (default: the embedded SQLite file "
                             f"{settings.DEFAULT_STORE_URL.removeprefix('sqlite:///')})")


def _as_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", metavar="EMAIL", default=None,
                        help="who is making the change, for the audit log (default: the local user)")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("publish", help="publish survey waves (and HR files) to the shared store",
                              description="Publish checked survey waves to the store: only the mapped answers with "
                                          "team, directorate and wave, and HR columns with pseudonymised employee "
                                          "numbers, are stored. Re-publishing a wave makes a new version.")
    p.add_argument("--survey", required=True, nargs="+", metavar="FILE", help="survey export(s), one or more waves")
    p.add_argument("--hr", metavar="FILE", help="HR staff file (employee level) or team-month figures")
    p.add_argument("--absence", metavar="FILE", help="sickness absence file linked to the staff file")
    p.add_argument("--mapping", metavar="FILE", help="a saved column mapping (JSON) applied to every survey file")
    p.add_argument("--min-group", type=int, default=None, metavar="K",
                   help="anonymity threshold fixed with the wave (default: the organisation's, else "
                        f"{settings.DEFAULT_MIN_GROUP_SIZE}; never below {settings.MIN_GROUP_SIZE_FLOOR})")
    p.add_argument("--organisation", metavar="NAME", default=None,
                   help=f"the organisation the waves belong to (default: {settings.DEFAULT_ORGANISATION_NAME!r})")
    _as_option(p)
    _store_option(p)
    p.set_defaults(handler=run_publish)

    p = subparsers.add_parser("waves", help="list the published waves and their versions")
    _store_option(p)
    p.set_defaults(handler=run_waves)

    for name, handler, text in (("withdraw", run_withdraw, "hide a published wave (its versions stay for audit)"),
                                ("delete", run_delete, "delete a wave with every version and its data")):
        p = subparsers.add_parser(name, help=text)
        p.add_argument("--wave", required=True, metavar="W", help="the wave's label, e.g. 2025")
        _as_option(p)
        _store_option(p)
        p.set_defaults(handler=handler)

    users = subparsers.add_parser("users", help="add, list, change or remove users of the shared workspace")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION")
    actions.required = True
    for name, handler in (("add", run_users_add), ("role", run_users_role)):
        p = actions.add_parser(name, help="add a user with a role" if name == "add" else "change a user's role")
        p.add_argument("email", metavar="EMAIL")
        p.add_argument("--role", required=True, metavar="ROLE", help=f"one of: {', '.join(settings.ROLES)}")
        p.add_argument("--directorate", nargs="+", action="extend", default=[], metavar="D",
                       help="a manager's directorate(s)")
        p.add_argument("--team", nargs="+", action="extend", default=[], metavar="T", help="a manager's team(s)")
        _as_option(p)
        _store_option(p)
        p.set_defaults(handler=handler)
    p = actions.add_parser("list", help="list the users and their roles")
    _store_option(p)
    p.set_defaults(handler=run_users_list)
    p = actions.add_parser("remove", help="remove a user")
    p.add_argument("email", metavar="EMAIL")
    _as_option(p)
    _store_option(p)
    p.set_defaults(handler=run_users_remove)

    p = subparsers.add_parser("audit", help="export the audit log (CSV)")
    p.add_argument("--out", metavar="FILE", default=None, help="write the CSV here (default: standard output)")
    _store_option(p)
    p.set_defaults(handler=run_audit)


def _by(args: argparse.Namespace) -> str:
    return args.as_user or LOCAL_USER


def run_publish(args: argparse.Namespace) -> int:
    spec = spec_from_paths(args.survey, hr=args.hr, absence=args.absence, mapping=args.mapping)
    store = open_store(args.store)
    made = publish(store, spec, by=_by(args), k=args.min_group, organisation=args.organisation)
    for wave in made:
        print(f"Published wave {wave.wave} as version {wave.version} (anonymity threshold {wave.k}) for "
              f"{wave.organisation} to {store.url}", file=sys.stderr)
    return 0


def _print_csv(frame: pd.DataFrame) -> None:
    frame.to_csv(sys.stdout, index=False, lineterminator="\n")


def run_waves(args: argparse.Namespace) -> int:
    table = published_waves(open_store(args.store))
    if table.empty:
        print("No wave is published yet.", file=sys.stderr)
        return 0
    _print_csv(table)
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    withdraw_wave(open_store(args.store), args.wave, by=_by(args))
    print(f"Withdrew wave {args.wave}; it is no longer shown (its versions stay for audit).", file=sys.stderr)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    delete_wave(open_store(args.store), args.wave, by=_by(args))
    print(f"Deleted wave {args.wave} and its data.", file=sys.stderr)
    return 0


def run_users_add(args: argparse.Namespace) -> int:
    user = add_user(open_store(args.store), args.email, args.role, directorates=args.directorate, teams=args.team,
                    by=_by(args))
    print(f"Added {user.email} as {user.role}.", file=sys.stderr)
    return 0


def run_users_role(args: argparse.Namespace) -> int:
    user = set_role(open_store(args.store), args.email, args.role, directorates=args.directorate, teams=args.team,
                    by=_by(args))
    print(f"{user.email} is now {user.role}.", file=sys.stderr)
    return 0


def run_users_list(args: argparse.Namespace) -> int:
    table = list_users(open_store(args.store))
    for column in ("directorates", "teams"):
        table[column] = table[column].map("; ".join)
    _print_csv(table)
    return 0


def run_users_remove(args: argparse.Namespace) -> int:
    remove_user(open_store(args.store), args.email, by=_by(args))
    print(f"Removed {args.email.strip().lower()}.", file=sys.stderr)
    return 0


def run_audit(args: argparse.Namespace) -> int:
    table = audit_log(open_store(args.store))
    table["detail"] = table["detail"].map(lambda d: json.dumps(d, sort_keys=True, ensure_ascii=False))
    if args.out is None:
        _print_csv(table)
        return 0
    path = Path(args.out)
    if not path.parent.exists():
        raise InputError("The folder for the output file does not exist.", file=str(path))
    table.to_csv(path, index=False)
    print(f"Wrote {len(table)} audit entries to {path}", file=sys.stderr)
    return 0
