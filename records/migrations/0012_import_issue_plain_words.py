"""Issue rows written before the import said what was wrong in plain words: PostgreSQL's and the JSON
parser's own text is replaced by the sentence staff read now (the original detail was logged then)."""

from typing import Any

from django.db import migrations

BATCH = 1000
# What each old message started with -> the exception names that tell which plain sentence replaces it.
READ = "The resource could not be read ("
STORED = "The resource could not be stored ("
LINE = "The line is not valid JSON: "
FILE = "The file is not valid JSON: "
DATA_ERRORS = ("DataError", "NumericValueOutOfRange", "StringDataRightTruncation", "InvalidDatetimeFormat")


def plain(apps: Any, schema_editor: Any) -> None:
    from records.services import imports

    ImportIssue = apps.get_model("records", "ImportIssue")
    ImportRun = apps.get_model("records", "ImportRun")
    line = (
        "The line is not valid JSON: it is cut short or damaged (a missing bracket, comma or quote), "
        "so it could not be read."
    )
    file = (
        "The file is not valid JSON: it is cut short or damaged (a missing bracket, comma or quote), "
        "so nothing in it could be read. Ask the source to send it again."
    )

    def said(message: str) -> str:
        if message.startswith(READ):
            return imports.UNREADABLE_RESOURCE
        if message.startswith(STORED):
            if any(name in message for name in DATA_ERRORS):
                return imports.UNSTORABLE["22"]
            if "IntegrityError" in message:
                return imports.UNSTORABLE["23"]
            return imports.UNSTORABLE_OTHER
        if message.startswith(LINE) and message != line:
            return line
        if message.startswith(FILE) and message != file:
            return file
        return message

    pattern = r"^(The resource could not be (read|stored) \(|The (line|file) is not valid JSON: )"
    old = ImportIssue.objects.filter(message__regex=pattern)
    changed = []
    for issue in old.only("pk", "message").iterator(chunk_size=BATCH):
        issue.message = said(issue.message)[:500]
        changed.append(issue)
    ImportIssue.objects.bulk_update(changed, ["message"], batch_size=BATCH)
    runs = []
    for run in ImportRun.objects.filter(failure__startswith=FILE).only("pk", "failure"):
        run.failure = said(run.failure)
        runs.append(run)
    ImportRun.objects.bulk_update(runs, ["failure"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("records", "0011_attachment_url")]

    operations = [migrations.RunPython(plain, migrations.RunPython.noop)]
