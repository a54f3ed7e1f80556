"""Historical forecasts: import_forecasts, export_forecasts and export_scores (issue 3, item 4)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, timedelta

import pgtrigger
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from predictions.models import Forecast, QuestionScore
from predictions.services import MAX_RATIONALE_CHARS, ImportProblem, forecasts_import
from registry.models import Forecaster, Question
from resolvers.models import Resolution
from tests import factories
from tests.predictions.helpers import MC_OPTIONS

pytestmark = pytest.mark.django_db

HEADER = "question,forecaster,submitted_at,probability,rationale"
MC_HEADER = (
    "question,forecaster,kind,submitted_at,probability,p:Europe,p:United States,p:China,rationale"
)


def iso(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ago(**delta) -> str:
    return iso(timezone.now() - timedelta(**delta))


def write(tmp_path, text: str, name: str = "forecasts.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(name: str, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_failing(path) -> str:
    """Run import_forecasts on a bad file; the problems it printed, one a line."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_forecasts", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def counts() -> dict[str, int]:
    return {
        "forecasts": Forecast.objects.count(),
        "forecasters": Forecaster.objects.count(),
        "users": get_user_model().objects.count(),
        "questions": Question.objects.count(),
    }


def log() -> list[tuple]:
    """The whole forecast log, comparable across databases (no ids)."""
    return [
        (
            f.question.slug,
            f.forecaster.handle,
            f.forecaster.kind,
            f.submitted_at,
            f.probabilities,
            f.rationale,
        )
        for f in Forecast.objects.select_related("question", "forecaster").order_by(
            "question__slug", "submitted_at", "id"
        )
    ]


@pytest.fixture
def binary_question(db) -> Question:
    return factories.QuestionFactory(slug="open-weights-lead")


@pytest.fixture
def mc_closed(db) -> Question:
    """A closed multiple-choice question: its options in the order United States, China,
    Europe (the test files list the p: columns in another order on purpose)."""
    return factories.MultipleChoiceQuestionFactory(
        slug="frontier-lab-region",
        options=MC_OPTIONS,
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=1),
    )


class TestImportGoodFile:
    def test_binary_and_multiple_choice_rows_are_stored_in_option_order(
        self, tmp_path, alice, binary_question, mc_closed
    ):
        at_offset = (timezone.now() - timedelta(days=5)).astimezone(
            timezone.get_fixed_timezone(120)
        )
        path = write(
            tmp_path,
            f"{MC_HEADER}\n"
            f"open-weights-lead,alice,,{ago(days=6)},0.7,,,,first look\n"
            f'open-weights-lead,alice,,{at_offset.isoformat()},0.65,,,,"after the news, lower"\n'
            f"frontier-lab-region,alice,,{ago(days=10)},,0.1,0.6,0.3,\n",
        )

        out, err = run("import_forecasts", path)

        assert err == ""
        mc = Forecast.objects.get(question=mc_closed)
        first, second = Forecast.objects.filter(question=binary_question).order_by("submitted_at")
        assert mc.probabilities == [0.6, 0.3, 0.1]  # United States, China, Europe
        assert (first.probabilities, second.probabilities) == ([0.7], [0.65])
        assert {f.origin for f in (first, second, mc)} == {Forecast.Origin.IMPORT}
        assert {f.forecaster for f in (first, second, mc)} == {alice}
        assert second.submitted_at == at_offset  # the same instant, stored in UTC
        assert second.rationale == "after the news, lower"
        assert first.rationale == "first look" and mc.rationale == ""
        assert "Imported 3 forecast(s)" in out
        assert "0 already present" in out
        assert "Rescored" not in out  # neither question has an outcome yet

    def test_the_service_reports_what_it_did(self, binary_question, mc_closed):
        rows = [
            {
                "question": "open-weights-lead",
                "forecaster": "metaculus-bot",
                "kind": "bot",
                "submitted_at": ago(days=2),
                "probability": "0.2",
                "p:China": "",
            },
            {
                "question": "open-weights-lead",
                "forecaster": "metaculus-bot",
                "kind": "",
                "submitted_at": ago(days=1),
                "probability": "0.25",
                "p:China": "",
            },
        ]

        report = forecasts_import(rows=rows)

        assert report.ok and report.errors == []
        assert (report.created, report.skipped) == (2, 0)
        assert [f.handle for f in report.forecasters_created] == ["metaculus-bot"]
        assert report.question_ids == [binary_question.pk]

    def test_a_bom_and_crlf_line_ends_are_fine(self, tmp_path, alice, binary_question):
        path = write(
            tmp_path,
            f"{HEADER}\r\nopen-weights-lead,alice,{ago(days=1)},0.4,été ✓\r\n",
            encoding="utf-8-sig",
        )

        run("import_forecasts", path)

        assert Forecast.objects.get().rationale == "été ✓"

    def test_forecasts_go_on_questions_in_any_published_state(self, tmp_path, alice):
        closed = factories.ClosedQuestionFactory(slug="closed")
        upcoming = factories.UpcomingQuestionFactory(slug="upcoming")
        resolved = factories.ClosedQuestionFactory(slug="resolved")
        factories.ResolutionFactory(
            question=resolved, state=Resolution.State.FINAL, finalized_at=timezone.now()
        )
        annulled = factories.ClosedQuestionFactory(slug="annulled")
        factories.ResolutionFactory(
            question=annulled,
            outcome=Resolution.Outcome.ANNULLED,
            state=Resolution.State.FINAL,
            finalized_at=timezone.now(),
        )
        resolving = factories.ClosedQuestionFactory(slug="resolving")
        factories.ResolutionFactory(question=resolving)
        rows = "".join(
            f"{q.slug},alice,{ago(days=2)},0.3,\n"
            for q in (closed, upcoming, resolved, annulled, resolving)
        )
        path = write(tmp_path, HEADER + "\n" + rows)

        run("import_forecasts", path)

        assert Forecast.objects.count() == 5
        statuses = {q.status for q in (closed, upcoming, resolved, annulled, resolving)}
        assert statuses == {"closed", "upcoming", "resolved", "annulled", "resolving"}

    def test_the_queries_do_not_grow_with_the_rows(
        self, tmp_path, alice, binary_question, mc_closed, django_assert_max_num_queries
    ):
        rows = [
            f"open-weights-lead,alice,,{ago(days=6, seconds=n)},0.{n % 9 + 1},,,,\n"
            for n in range(150)
        ] + [
            f"frontier-lab-region,bot-{n % 5},bot,{ago(days=10, seconds=n)},,0.1,0.6,0.3,\n"
            for n in range(150)
        ]
        path = write(tmp_path, MC_HEADER + "\n" + "".join(rows))

        # The import itself, then a (no-op) rescore of each of the two questions.
        with django_assert_max_num_queries(30):
            run("import_forecasts", path)

        assert Forecast.objects.count() == 300
        assert Forecaster.objects.filter(kind=Forecaster.Kind.BOT).count() == 5

    def test_a_header_alone_imports_nothing_and_succeeds(self, tmp_path, db):
        out, _ = run("import_forecasts", write(tmp_path, HEADER + "\n"))

        assert "Imported 0 forecast(s)" in out
        assert Forecast.objects.count() == 0


class TestNewForecasters:
    def test_an_unknown_handle_with_kind_pundit_is_created_as_a_pundit(
        self, tmp_path, binary_question
    ):
        path = write(
            tmp_path,
            "question,forecaster,kind,submitted_at,probability,rationale\n"
            f"open-weights-lead,nathan-lambert,pundit,{ago(days=3)},0.8,\n"
            # Later rows may leave the kind out once a row has given it.
            f"open-weights-lead,nathan-lambert,,{ago(days=2)},0.75,\n"
            f"open-weights-lead,forecast-bot,BOT,{ago(days=2)},0.5,\n",
        )

        out, _ = run("import_forecasts", path)

        pundit = Forecaster.objects.get(handle="nathan-lambert")
        assert pundit.kind == Forecaster.Kind.PUNDIT
        assert pundit.user is None and pundit.display_name == "nathan-lambert"
        assert pundit.forecasts.count() == 2
        assert Forecaster.objects.get(handle="forecast-bot").kind == Forecaster.Kind.BOT
        assert "Created forecasters: forecast-bot (bot), nathan-lambert (pundit)" in out

    def test_a_known_forecaster_of_the_same_kind_is_reused(self, tmp_path, binary_question):
        pundit = factories.PunditFactory(handle="nathan-lambert")
        path = write(
            tmp_path,
            "question,forecaster,kind,submitted_at,probability,rationale\n"
            f"open-weights-lead,nathan-lambert,pundit,{ago(days=3)},0.8,\n",
        )

        out, _ = run("import_forecasts", path)

        assert Forecast.objects.get().forecaster == pundit
        assert Forecaster.objects.count() == 1
        assert "Created forecasters" not in out


class TestBadFiles:
    def test_every_bad_row_is_reported_by_line_and_column_and_nothing_changes(
        self, tmp_path, alice, binary_question, mc_closed
    ):
        factories.DraftQuestionFactory(slug="a-draft")
        long_rationale = "x" * (MAX_RATIONALE_CHARS + 1)
        good = f"open-weights-lead,alice,,{ago(days=2)},0.7,,,,"
        lines = [
            MC_HEADER,  # 1
            good + '"a rationale\nover two lines"',  # 2-3: good, spans two lines
            f"no-such-question,alice,,{ago(days=2)},0.7,,,,",  # 4
            f"a-draft,alice,,{ago(days=2)},0.7,,,,",  # 5
            f"open-weights-lead,nobody-known,,{ago(days=2)},0.7,,,,",  # 6
            f"open-weights-lead,new-bot,robot,{ago(days=2)},0.7,,,,",  # 7
            f"open-weights-lead,alice,pundit,{ago(days=2)},0.7,,,,",  # 8
            "open-weights-lead,alice,,2026-05-01T12:00:00,0.7,,,,",  # 9
            "open-weights-lead,alice,,yesterday,0.7,,,,",  # 10
            f"open-weights-lead,alice,,{iso(timezone.now() + timedelta(days=1))},0.7,,,,",  # 11
            f"open-weights-lead,alice,,{ago(days=2)},1.5,,,,",  # 12
            f"open-weights-lead,alice,,{ago(days=2)},0,7,,,,",  # 13: a comma too many
            f"open-weights-lead,alice,,{ago(days=2)},seventy,,,,",  # 14
            f"open-weights-lead,alice,,{ago(days=2)},nan,,,,",  # 15
            f"open-weights-lead,alice,,{ago(days=2)},,,,,",  # 16
            f"open-weights-lead,alice,,{ago(days=2)},,,0.7,,",  # 17
            f"frontier-lab-region,alice,,{ago(days=9)},,0.2,0.5,0.2,",  # 18
            f"frontier-lab-region,alice,,{ago(days=9)},,,0.5,0.5,",  # 19
            f"frontier-lab-region,alice,,{ago(days=9)},0.5,,,,",  # 20
            f"frontier-lab-region,alice,,{ago(hours=1)},,0.2,0.5,0.3,",  # 21: after close
            f"open-weights-lead,alice,,{ago(days=2)},0.7,,,,{long_rationale}",  # 22
            f",,,{ago(days=2)},0.7,,,,",  # 23
            f"frontier-lab-region,brand-new-pundit,pundit,{ago(days=9)},,0.2,0.5,0.2,",  # 24
            f"open-weights-lead,not a handle!,bot,{ago(days=2)},0.7,,,,",  # 25
            f"open-weights-lead,new-pundit,pundit,{ago(days=2)},0.7,,,,",  # 26
            f"open-weights-lead,new-pundit,bot,{ago(days=2)},0.7,,,,",  # 27
            f"frontier-lab-region,alice,,{ago(days=9)},,0.001,0.998,0.0001,",  # 28
            "open-weights-lead,alice",  # 29
        ]
        expected = [
            (4, "question", "no question has the slug 'no-such-question'"),
            (5, "question", "'a-draft' is a draft"),
            (6, "forecaster", "unknown forecaster 'nobody-known'; give a kind (pundit or bot)"),
            (7, "kind", "must be 'pundit' or 'bot' (or empty), not 'robot'"),
            (7, "forecaster", "unknown forecaster 'new-bot'"),
            (8, "kind", "forecaster 'alice' exists as a human, not a pundit"),
            (9, "submitted_at", "'2026-05-01T12:00:00' has no UTC offset"),
            (10, "submitted_at", "'yesterday' is not an ISO 8601 date and time"),
            (11, "submitted_at", "is in the future"),
            (
                12,
                "probability",
                "must be between 0.001 and 0.999, a probability, not a percentage: 1.5% is "
                "written 0.015 (got '1.5')",
            ),
            (13, "", "has 10 fields; the header has 9"),
            (14, "probability", "must be a number, not str (got 'seventy')"),
            (15, "probability", "must be a finite number (got 'nan')"),
            (16, "probability", "is required"),
            (17, "p:United States", "a binary question takes 'probability'"),
            (18, "p:United States, p:China, p:Europe", "must sum to 1 (they sum to 0.9)"),
            (19, "p:Europe", "is missing"),
            (20, "probability", "a multiple-choice question takes 'probabilities' by option"),
            (21, "submitted_at", "is not before the question closed"),
            (22, "rationale", f"must be at most {MAX_RATIONALE_CHARS} characters (it has"),
            (23, "question", "is required"),
            (23, "forecaster", "is required"),
            (24, "p:United States, p:China, p:Europe", "must sum to 1"),
            (25, "forecaster", "'not a handle!' is not a valid handle"),
            (27, "kind", "'bot' conflicts with 'pundit' given on line 26"),
            (28, "p:China", "must be between 0.001 and 0.999 (got '0.0001')"),
            (29, "", "has 2 fields; the header has 9"),
        ]
        path = write(tmp_path, "\n".join(lines) + "\n")
        before = counts()

        printed = import_failing(path).splitlines()

        for line, column, fragment in expected:
            where = f"line {line}, column {column}: " if column else f"line {line}: "
            assert any(p.startswith(where) and fragment in p for p in printed), (where, fragment)
        bad_lines = {int(p.split(",")[0].split(":")[0].removeprefix("line ")) for p in printed}
        assert bad_lines == {line for line, _, _ in expected}  # lines 2-3 and 26 are fine
        assert counts() == before
        assert not Forecaster.objects.filter(
            handle__in=["new-bot", "brand-new-pundit", "new-pundit"]
        ).exists()

    def test_the_service_returns_problems_as_line_column_message(self, binary_question):
        report = forecasts_import(
            rows=[
                {
                    "question": "open-weights-lead",
                    "forecaster": "x",
                    "submitted_at": "2026-01-01",
                    "probability": "",
                },
            ],
            columns=["question", "forecaster", "submitted_at", "probability"],
            line_numbers=[7],
        )

        assert not report.ok and report.created == 0
        assert all(isinstance(problem, ImportProblem) for problem in report.errors)
        assert [(p.line, p.column) for p in report.errors] == [
            (7, "forecaster"),
            (7, "submitted_at"),
            (7, "probability"),
        ]
        assert report.errors[2].message == "is required"

    def test_a_naive_timestamp_is_refused_with_a_clear_message(
        self, tmp_path, alice, binary_question
    ):
        before = counts()
        path = write(tmp_path, f"{HEADER}\nopen-weights-lead,alice,2026-05-01 09:30,0.6,\n")

        printed = import_failing(path)

        assert printed.strip() == (
            "line 2, column submitted_at: '2026-05-01 09:30' has no UTC offset; write the "
            "time with Z or an offset, e.g. 2026-05-01T12:00:00Z or 2026-05-01T14:00:00+02:00"
        )
        assert counts() == before

    def test_a_date_without_a_time_is_naive_too(self, tmp_path, alice, binary_question):
        path = write(tmp_path, f"{HEADER}\nopen-weights-lead,alice,2026-05-01,0.6,\n")

        assert "has no UTC offset" in import_failing(path)

    @pytest.mark.parametrize(
        ("header", "problem"),
        [
            (
                "question,forecaster,probability,rationale",
                "line 1, column submitted_at: is missing from the header",
            ),
            (
                "question,forecaster,submitted_at,probabilty,rationale",
                "line 1, column probabilty: unknown column",
            ),
            (
                "question,forecaster,submitted_at,rationale",
                "line 1, column probability: the header needs a probability column",
            ),
            (
                "question,forecaster,submitted_at,probability,probability",
                "line 1, column probability: appears more than once",
            ),
            ("question,forecaster,submitted_at,p:", "line 1, column p:: names no option"),
        ],
    )
    def test_a_bad_header_is_reported_on_line_1(
        self, tmp_path, alice, binary_question, header, problem
    ):
        path = write(tmp_path, f"{header}\nopen-weights-lead,alice,{ago(days=1)},0.5,\n")

        assert problem in import_failing(path)
        assert Forecast.objects.count() == 0

    def test_an_empty_file_is_an_error(self, tmp_path, db):
        assert "line 1: the file is empty" in import_failing(write(tmp_path, ""))

    def test_a_file_that_is_not_utf8_is_refused(self, tmp_path, alice, binary_question):
        path = write(
            tmp_path,
            f"{HEADER}\nopen-weights-lead,alice,{ago(days=1)},0.5,caf\xe9\n",
            encoding="latin-1",
        )

        with pytest.raises(CommandError, match="is not UTF-8"):
            run("import_forecasts", path)

    def test_a_missing_file_is_an_error(self, tmp_path, db):
        with pytest.raises(CommandError, match="cannot read"):
            run("import_forecasts", tmp_path / "nowhere.csv")


class TestReimport:
    def test_importing_the_same_file_again_adds_nothing(
        self, tmp_path, alice, binary_question, mc_closed
    ):
        path = write(
            tmp_path,
            f"{MC_HEADER}\n"
            f"open-weights-lead,alice,,{ago(days=6)},0.7,,,,why\n"
            f"open-weights-lead,nathan,pundit,{ago(days=5)},0.9,,,,\n"
            f"frontier-lab-region,alice,,{ago(days=10)},,0.1,0.6,0.3,\n",
        )
        run("import_forecasts", path)
        stored = log()

        out, _ = run("import_forecasts", path)

        assert log() == stored
        assert "Imported 0 forecast(s)" in out and "3 already present were skipped" in out
        assert "Created forecasters" not in out and "Rescored" not in out

    def test_only_rows_that_differ_from_the_stored_log_are_added(
        self, tmp_path, alice, binary_question
    ):
        when = timezone.now() - timedelta(days=3)
        factories.ForecastFactory(
            forecaster=alice, question=binary_question, probabilities=[0.7], submitted_at=when
        )
        path = write(
            tmp_path,
            f"{HEADER}\n"
            # The stored forecast, written in another time zone and with another rationale.
            f"open-weights-lead,alice,{when.astimezone(timezone.get_fixed_timezone(-300))},0.7,"
            "a different note\n"
            f"open-weights-lead,alice,{iso(when)},0.71,\n"  # another probability
            f"open-weights-lead,alice,{iso(when + timedelta(seconds=1))},0.7,\n"  # another time
            f"open-weights-lead,alice,{iso(when + timedelta(seconds=1))},0.7,\n",  # repeated row
        )

        report_out, _ = run("import_forecasts", path)

        assert "Imported 2 forecast(s)" in report_out
        assert "2 already present were skipped" in report_out
        assert sorted(f.probabilities[0] for f in Forecast.objects.all()) == [0.7, 0.7, 0.71]


def _round_trip_log(alice, bob):
    """Two binary questions and a multiple-choice one, with awkward rationales."""
    binary = factories.QuestionFactory(slug="b-binary")
    other = factories.ClosedQuestionFactory(slug="a-closed")
    mc = factories.MultipleChoiceQuestionFactory(
        slug="c-choice", options=["Nowhere", "Somewhere, else", 'The "cloud"']
    )
    factories.MultipleChoiceQuestionFactory(slug="d-unforecast", options=["Zed", "Other"])
    pundit = factories.PunditFactory(handle="nathan-lambert")
    bot = factories.ForecasterFactory(handle="ensemble-bot", kind=Forecaster.Kind.BOT)
    start = timezone.now() - timedelta(days=6, microseconds=123457)
    entries = [
        (alice, binary, [0.123456789], "plain", Forecast.Origin.API),
        (bob, binary, [0.999], 'commas, "quotes"\nand a new line', Forecast.Origin.WEB),
        (pundit, binary, [0.8], "“I expect” — é", Forecast.Origin.CLAIM),
        (bot, other, [0.001], "", Forecast.Origin.API),
        (alice, other, [0.3333333333333333], "", Forecast.Origin.IMPORT),
        (alice, mc, [0.2, 0.3, 0.5], "", Forecast.Origin.API),
        (bot, mc, [0.1, 0.1, 0.8], "x" * MAX_RATIONALE_CHARS, Forecast.Origin.API),
    ]
    for step, (forecaster, question, probabilities, rationale, origin) in enumerate(entries):
        factories.ForecastFactory(
            forecaster=forecaster,
            question=question,
            probabilities=probabilities,
            rationale=rationale,
            origin=origin,
            submitted_at=start + timedelta(hours=7 * step, microseconds=step),
        )
    # Two forecasts at the same instant on one question: the id breaks the tie.
    factories.ForecastFactory(
        forecaster=pundit, question=mc, probabilities=[0.5, 0.25, 0.25], submitted_at=start
    )
    factories.ForecastFactory(
        forecaster=bob, question=mc, probabilities=[0.4, 0.4, 0.2], submitted_at=start
    )


class TestExportForecasts:
    @pytest.mark.postgresql_only(
        reason="empties the forecast log with PostgreSQL's trigger bypass to import into it again"
    )
    def test_export_then_import_into_an_empty_log_reproduces_it(self, tmp_path, alice, bob):
        _round_trip_log(alice, bob)
        original = log()
        path = tmp_path / "export.csv"
        out, _ = run("export_forecasts", "--output", path)
        assert out.strip() == f"Wrote {len(original)} forecast(s) to {path}."
        exported = path.read_text(encoding="utf-8")

        # Empty the log (the database refuses DELETE on it, hence the trigger's bypass) and
        # drop the forecasters the import has to create again.
        with pgtrigger.ignore("predictions.Forecast:forecast_append_only"):
            Forecast.objects.all().delete()
        Forecaster.objects.exclude(kind=Forecaster.Kind.HUMAN).delete()

        out, _ = run("import_forecasts", path)

        assert log() == original
        assert {f.origin for f in Forecast.objects.all()} == {Forecast.Origin.IMPORT}
        assert "Created forecasters: ensemble-bot (bot), nathan-lambert (pundit)" in out
        run("export_forecasts", "--output", tmp_path / "again.csv")
        assert (tmp_path / "again.csv").read_text(encoding="utf-8") == exported

    def test_the_shape_of_the_export(self, alice, bob):
        _round_trip_log(alice, bob)

        out, _ = run("export_forecasts")

        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == [
            "question",
            "forecaster",
            "kind",
            "submitted_at",
            "probability",
            "p:Nowhere",
            "p:Somewhere, else",
            'p:The "cloud"',
            "rationale",
        ]  # options of d-unforecast are not in the export
        assert [(row[0], row[1]) for row in rows[1:]] == [
            ("a-closed", "ensemble-bot"),
            ("a-closed", "alice"),
            ("b-binary", "alice"),
            ("b-binary", "bob"),
            ("b-binary", "nathan-lambert"),
            ("c-choice", "nathan-lambert"),
            ("c-choice", "bob"),
            ("c-choice", "alice"),
            ("c-choice", "ensemble-bot"),
        ]
        by_handle = {row[1]: row for row in rows[1:] if row[0] == "b-binary"}
        assert by_handle["alice"][2] == "" and by_handle["nathan-lambert"][2] == "pundit"
        assert by_handle["alice"][4:8] == ["0.123456789", "", "", ""]
        assert by_handle["bob"][8] == 'commas, "quotes"\nand a new line'
        assert rows[8][4:8] == ["", "0.2", "0.3", "0.5"]
        assert rows[1][2] == "bot"
        assert all(row[3].endswith("Z") for row in rows[1:])

    def test_only_the_questions_asked_for(self, alice, bob):
        _round_trip_log(alice, bob)

        out, _ = run("export_forecasts", "--question", "a-closed", "--question", "b-binary")

        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == [
            "question",
            "forecaster",
            "kind",
            "submitted_at",
            "probability",
            "rationale",
        ]
        assert {row[0] for row in rows[1:]} == {"a-closed", "b-binary"}
        assert len(rows) == 6

    def test_an_unknown_question_is_an_error(self, db):
        with pytest.raises(CommandError, match="no question has the slug 'nope'"):
            run("export_forecasts", "--question", "nope")


class TestExportScores:
    @pytest.fixture
    def scores(self, alice, bob):
        pundit = factories.PunditFactory(handle="nathan-lambert")
        tag = factories.TagFactory(slug="open-models")
        first = factories.ResolutionFactory(
            question=factories.ClosedQuestionFactory(slug="b-question", tags=[tag]),
            known_on=date(2025, 6, 1),
        )
        second = factories.ResolutionFactory(
            question=factories.ClosedQuestionFactory(slug="a-question"),
            known_on=date(2024, 6, 1),
        )
        values = [
            (first, alice, 0.18, -0.02, 0.3566749439387324, 0.9191450300180579, 30),
            (first, bob, 0.5, 0.1, 0.6931471805599453, 0.7071067811865475, 12),
            (first, pundit, 0.08, -0.125, 0.2231435513142097, 0.9701425001453319, 31),
            (second, bob, 1.62, 0.4, 2.3025850929940455, 0.11043152607484653, 5),
        ]
        for resolution, forecaster, brier, relative, log_loss, spherical, days in values:
            QuestionScore.objects.create(
                question=resolution.question,
                forecaster=forecaster,
                resolution=resolution,
                brier=brier,
                relative_score=relative,
                log_loss=log_loss,
                spherical=spherical,
                days=days,
                window_days=31,
            )

    def test_rows_by_question_slug_then_relative_score(self, scores):
        out, _ = run("export_scores")

        assert out.splitlines() == [
            "question,forecaster,brier,relative_score,log_loss,spherical,days,window_days",
            "a-question,bob,1.62,0.4,2.3025850929940455,0.11043152607484653,5,31",
            "b-question,nathan-lambert,0.08,-0.125,0.2231435513142097,0.9701425001453319,31,31",
            "b-question,alice,0.18,-0.02,0.3566749439387324,0.9191450300180579,30,31",
            "b-question,bob,0.5,0.1,0.6931471805599453,0.7071067811865475,12,31",
        ]

    @pytest.mark.parametrize(
        ("scope", "questions"),
        [
            ("all", ["a-question", "b-question", "b-question", "b-question"]),
            ("tag:open-models", ["b-question"] * 3),
            ("year:2024", ["a-question"]),
            ("year:2023", []),
        ],
    )
    def test_a_scope_narrows_the_questions(self, scores, tmp_path, scope, questions):
        path = tmp_path / "scores.csv"

        out, _ = run("export_scores", "--scope", scope, "--output", path)

        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        assert [row["question"] for row in rows] == questions
        assert out.strip() == f"Wrote {len(questions)} score(s) to {path}."

    def test_a_source_scope_counts_the_questions_its_claims_became(self, scores):
        source = factories.SourceFactory(slug="interconnects-mid-2026")
        question = Question.objects.get(slug="a-question")
        factories.ClaimFactory(source=source, question=question)
        factories.ClaimFactory(source=source, question=question, start_offset=0, end_offset=20)

        out, _ = run("export_scores", "--scope", "source:interconnects-mid-2026")

        assert [line.split(",")[:2] for line in out.splitlines()[1:]] == [["a-question", "bob"]]

    @pytest.mark.parametrize("scope", ["everything", "tag:", "year:24", "tag:nope", "source:x"])
    def test_an_unknown_scope_is_an_error(self, scores, scope):
        with pytest.raises(CommandError):
            run("export_scores", "--scope", scope)


def test_importing_into_a_resolved_question_rescores_it(tmp_path, alice):
    from datetime import UTC, date, datetime

    from predictions import rescoring
    from predictions.models import QuestionScore
    from resolvers import services as resolution_services

    question = factories.QuestionFactory(
        slug="resolved-one",
        opens_at=datetime(2026, 1, 1, tzinfo=UTC),
        closes_at=datetime(2026, 1, 11, tzinfo=UTC),
        resolve_by=datetime(2026, 2, 1, tzinfo=UTC),
    )
    resolution_services.resolution_record(
        question=question,
        outcome="yes",
        rationale="Done.",
        user=factories.StaffFactory(),
        known_on=date(2026, 1, 20),
    )
    rescoring.rescore_question(question_id=question.pk)
    assert not QuestionScore.objects.exists()
    path = tmp_path / "late.csv"
    path.write_text(
        "question,forecaster,submitted_at,probability,rationale\n"
        "resolved-one,alice,2026-01-02T09:00:00Z,0.8,from my notebook\n"
    )

    out, _ = run("import_forecasts", path)

    assert "Rescored 1 resolved question(s)" in out
    assert QuestionScore.objects.get(question=question).brier == pytest.approx(2 * 0.2**2)
    assert rescoring.verify_scores() == []
    assert rescoring.stale_question_ids() == []
