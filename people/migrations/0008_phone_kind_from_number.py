"""Phone numbers were all stored as 携帯 (the form has no kind); derive the kind from the number.

No form or import ever set the kind, so every stored value is the default, not a worker's choice.
"""

from django.db import migrations


def derive_kinds(apps, schema_editor):  # type: ignore[no-untyped-def]
    from people.models import PersonPhone as CurrentPhone

    PersonPhone = apps.get_model("people", "PersonPhone")
    for phone in PersonPhone.objects.only("pk", "number", "kind").iterator(chunk_size=2000):
        kind = CurrentPhone.kind_of_number(phone.number)
        if kind != phone.kind:
            PersonPhone.objects.filter(pk=phone.pk).update(kind=kind)


class Migration(migrations.Migration):
    dependencies = [("people", "0007_encrypt_existing_rows")]

    operations = [migrations.RunPython(derive_kinds, migrations.RunPython.noop)]
