"""The forecast log's two loopholes closed: a REPLACE on SQLite, a TRUNCATE on PostgreSQL.

SQLite: a forecast cannot be replaced by inserting another row with its id.

`INSERT OR REPLACE` (and `REPLACE INTO`) resolves the id's conflict by deleting the stored
row, and SQLite fires no DELETE trigger for that unless recursive triggers are on: 0005's
append-only rule let a forecast be rewritten that way. This trigger refuses any insert
whose id is already taken, whatever the connection's settings. (PostgreSQL has no REPLACE;
its ON CONFLICT DO UPDATE fires the update trigger.) The SQL is written out here, not
imported, so that this migration stays what it was when it ran.

PostgreSQL: TRUNCATE fires no row trigger, so it emptied the append-only log in one
statement (`manage.py flush` does it); a statement trigger refuses it.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

NAME = "forecast_append_only_replace"
SQL = """
CREATE TRIGGER forecast_append_only_replace BEFORE INSERT ON predictions_forecast
WHEN NEW.id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'Cannot update or delete rows from predictions_forecast table')
     WHERE EXISTS (SELECT 1 FROM predictions_forecast WHERE id = NEW.id);
END
"""


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQL)


def remove(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("predictions", "0009_score_bases")]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
        pgtrigger.migrations.AddTrigger(
            model_name="forecast",
            trigger=pgtrigger.compiler.Trigger(
                name="forecast_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot truncate rows from % table', "
                    "TG_TABLE_NAME;",
                    hash="745f8850e68d7ffa022a87a51fd47c94bc89fea8",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_forecast_no_truncate_b3c5f",
                    table="predictions_forecast",
                    when="BEFORE",
                ),
            ),
        ),
    ]
