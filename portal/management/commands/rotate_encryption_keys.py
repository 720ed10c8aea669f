"""Re-encrypt every value encrypted with the key ring under its newest key (PORTAL_ENCRYPTION_KEYS[0]).

Usage: put the new key first in PORTAL_ENCRYPTION_KEYS (keep the old ones after it), deploy, run this,
then drop the old keys. Batches of rows are locked, re-encrypted and committed one at a time, so a kill
loses nothing: a value is either still under an old key (the next run does it) or already under the new
one (the next run counts it as done). Values no key opens are reported, left untouched, and make the
command exit non-zero.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from portal.crypto import DecryptionFailed, is_current, rotate_str
from portal.encrypted_columns import EncryptedColumn, encrypted_columns


@dataclass
class Tally:
    rotated: int = 0
    current: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.rotated + self.current + len(self.failed)


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under the newest key of PORTAL_ENCRYPTION_KEYS (resumable)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        columns = encrypted_columns()
        totals = {column: self._count(column) for column in columns}
        total = sum(totals.values())
        self._progress_started = time.monotonic()
        self.stdout.write(f"{total} encrypted values in {len(columns)} columns: "
                          + ", ".join(f"{c.label} ({n})" for c, n in totals.items()))
        tally = Tally()
        for column in columns:
            self._rotate_column(column, batch_size, tally, total)
        self._draw(tally.seen, total, final=True)
        elapsed = time.monotonic() - self._progress_started
        self.stdout.write(f"Done: {tally.rotated} re-encrypted under the newest key, {tally.current} already were, "
                          f"{len(tally.failed)} could not be opened, in {elapsed:.1f} s.")
        if tally.failed:
            shown = ", ".join(tally.failed[:20])
            raise CommandError(f"{len(tally.failed)} values are under no key of the ring and were left as they are "
                               f"(first: {shown}). Put their key back in PORTAL_ENCRYPTION_KEYS and run again.")

    # --- one column ---------------------------------------------------------------------------

    @staticmethod
    def _non_empty(column: EncryptedColumn) -> Q:
        if column.json_key:
            return Q(**{f"{column.field}__has_key": column.json_key})
        return ~Q(**{column.field: ""}) & Q(**{f"{column.field}__isnull": False})

    def _count(self, column: EncryptedColumn) -> int:
        return column.model._default_manager.filter(self._non_empty(column)).count()

    def _rotate_column(self, column: EncryptedColumn, batch_size: int, tally: Tally, total: int) -> None:
        manager = column.model._default_manager
        last_pk = None
        while True:
            with transaction.atomic():
                rows = manager.select_for_update().filter(self._non_empty(column)).order_by("pk")
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows.only("pk", column.field)[:batch_size])
                if not batch:
                    return
                changed = [row for row in batch if self._rotate_row(column, row, tally)]
                if changed:
                    manager.bulk_update(changed, [column.field])
            last_pk = batch[-1].pk
            self._draw(tally.seen, total)

    @staticmethod
    def _rotate_row(column: EncryptedColumn, row, tally: Tally) -> bool:
        value = getattr(row, column.field)
        token = value.get(column.json_key) if column.json_key else value
        if not isinstance(token, str) or not token:
            return False
        if is_current(token):
            tally.current += 1
            return False
        try:
            rotated = rotate_str(token)
        except DecryptionFailed:
            tally.failed.append(f"{column.label} pk={row.pk}")
            return False
        if column.json_key:
            setattr(row, column.field, {**value, column.json_key: rotated})
        else:
            setattr(row, column.field, rotated)
        tally.rotated += 1
        return True

    # --- progress -----------------------------------------------------------------------------

    def _draw(self, done: int, total: int, final: bool = False) -> None:
        """A bar on a terminal (redrawn in place); one line per batch otherwise, for logs."""
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        elapsed = time.monotonic() - self._progress_started
        line = f"[{bar:<30}] {share:6.1%} {done}/{total} values, {elapsed:.1f} s"
        tty = sys.stdout.isatty() and self.stdout._out is sys.stdout
        if tty:
            self.stdout.write("\r" + line, ending="\n" if final else "")
            self.stdout.flush()
        elif not final:
            self.stdout.write(line)
            self.stdout.flush()
