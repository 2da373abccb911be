"""Encrypts the existing values of the fields that 0004_encrypt_sensitive_text made encrypted
(docs/encryption.md).

In batches of rows (tsunagu.fields.rewrite_in_batches: the raw columns, keyset pages, one
transaction per batch), so memory stays bounded on millions of rows. Not atomic as a whole: a run
stopped part-way (kill -9) leaves some rows encrypted and some not — both are read correctly —
and running `migrate` again encrypts the rest, since a value that is already a token is left as
it is. Backwards, the tokens are decrypted to the plain text (with the key that encrypted them).
"""

from django.db import migrations

from tsunagu.fields import decrypt_to_plain, encrypt_plain, rewrite_in_batches

# Only the fields of 0004_encrypt_sensitive_text:
# older encrypted fields of these models stay as they are.
FIELDS = {
    "Referral": ("purpose", "failed_reason"),
    "ReferralEvent": ("note",),
    "Consent": ("purpose", "withdrawal_note"),
    "Decision": ("text",),
    "ActionItem": ("title",),
    "AdviceRequest": ("question",),
    "Advice": ("text", "joint_support_note"),
}


def encrypt_rows(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("collaboration", model_name)
        rewrite_in_batches(
            model, encrypt_plain, fields=fields, using=schema_editor.connection.alias
        )


def decrypt_rows(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("collaboration", model_name)
        rewrite_in_batches(
            model, decrypt_to_plain, fields=fields, using=schema_editor.connection.alias
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("collaboration", "0004_encrypt_sensitive_text")]

    operations = [migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False)]
