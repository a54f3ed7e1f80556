"""The forecast log's rules in SQLite too: the embedded default keeps the record as
PostgreSQL does (0001's pgtrigger triggers, which only PostgreSQL runs).

The log is append-only (no UPDATE, no DELETE), and each inserted probability vector is a
JSON array of numbers in [0.001, 0.999], one per option of its question (one for a binary
question), summing to 1 within 1e-6 when there are several. The SQL is written out here,
not imported, so that this migration stays what it was when it ran.
"""

from django.db import migrations

SQLITE_RULES = [
    (
        "forecast_append_only_update",
        """
        CREATE TRIGGER forecast_append_only_update BEFORE UPDATE ON predictions_forecast
        BEGIN
            SELECT RAISE(ABORT, 'Cannot update or delete rows from predictions_forecast table');
        END
        """,
    ),
    (
        "forecast_append_only_delete",
        """
        CREATE TRIGGER forecast_append_only_delete BEFORE DELETE ON predictions_forecast
        BEGIN
            SELECT RAISE(ABORT, 'Cannot update or delete rows from predictions_forecast table');
        END
        """,
    ),
    (
        "forecast_valid_probabilities",
        """
        CREATE TRIGGER forecast_valid_probabilities BEFORE INSERT ON predictions_forecast
        BEGIN
            SELECT RAISE(ABORT, 'forecast probabilities must be a JSON array')
             WHERE NOT json_valid(NEW.probabilities)
                OR json_type(NEW.probabilities) IS NOT 'array';
            SELECT RAISE(ABORT, 'forecast has the wrong number of probabilities for its question')
             WHERE json_array_length(NEW.probabilities) IS NOT (
                   SELECT CASE WHEN q.kind = 'binary' THEN 1
                               ELSE (SELECT count(*) FROM registry_questionoption o
                                      WHERE o.question_id = q.id)
                          END
                     FROM registry_question q WHERE q.id = NEW.question_id);
            SELECT RAISE(ABORT, 'forecast probability is not a number')
             WHERE EXISTS (SELECT 1 FROM json_each(NEW.probabilities)
                            WHERE type NOT IN ('integer', 'real'));
            SELECT RAISE(ABORT, 'forecast probability is outside [0.001, 0.999]')
             WHERE EXISTS (SELECT 1 FROM json_each(NEW.probabilities)
                            WHERE value < 0.001 OR value > 0.999);
            SELECT RAISE(ABORT, 'forecast probabilities do not sum to 1')
             WHERE json_array_length(NEW.probabilities) > 1
               AND abs((SELECT total(value) FROM json_each(NEW.probabilities)) - 1) > 1e-6;
        END
        """,
    ),
]


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL has its own triggers (0001)
    for _, sql in SQLITE_RULES:
        schema_editor.execute(sql)


def remove(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, _ in SQLITE_RULES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("predictions", "0004_outbox")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
