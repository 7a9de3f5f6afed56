"""Messaging's notices move to the portal's one outbox (portal.Notice), with their data: each row
is copied with its id (the thread becomes the target, its patient the notice's patient), the
id sequence is moved past them, then messaging's table is dropped."""

from django.db import migrations

COPY = """
INSERT INTO portal_notice
    (id, user_id, email, kind, channel, patient_id, target_id, link, language, key,
     created_at, due_at, sent_at, attempts, last_error, read_at, digested_at)
SELECT notice.id, notice.user_id, '', notice.kind, notice.channel, thread.patient_id, notice.thread_id, '', '',
       notice.key, notice.created_at, notice.created_at, notice.sent_at, notice.attempts, notice.last_error,
       notice.read_at, notice.digested_at
FROM messaging_notice notice
JOIN messaging_thread thread ON thread.id = notice.thread_id;
SELECT setval(
    pg_get_serial_sequence('portal_notice', 'id'),
    GREATEST((SELECT MAX(id) FROM portal_notice), 1),
    (SELECT MAX(id) FROM portal_notice) IS NOT NULL
);
"""

# Backwards: the rows about threads go back (notices of other apps have no thread to keep).
RESTORE = """
INSERT INTO messaging_notice
    (id, user_id, kind, channel, thread_id, key, created_at, sent_at, attempts, last_error, read_at, digested_at)
SELECT notice.id, notice.user_id, notice.kind, notice.channel, notice.target_id, notice.key, notice.created_at,
       notice.sent_at, notice.attempts, notice.last_error, notice.read_at, notice.digested_at
FROM portal_notice notice
WHERE notice.kind IN ('reply_waiting', 'new_thread', 'assigned', 'at_risk', 'breached')
  AND notice.user_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM messaging_thread thread WHERE thread.id = notice.target_id);
SELECT setval(
    pg_get_serial_sequence('messaging_notice', 'id'),
    GREATEST((SELECT MAX(id) FROM messaging_notice), 1),
    (SELECT MAX(id) FROM messaging_notice) IS NOT NULL
);
DELETE FROM portal_notice WHERE kind IN ('reply_waiting', 'new_thread', 'assigned', 'at_risk', 'breached');
"""


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_thread_confidential"),
        ("portal", "0003_notice_outbox"),
    ]

    operations = [
        migrations.RunSQL(COPY, RESTORE),
        migrations.DeleteModel(name="Notice"),
    ]
