import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("care", "0003_fill_uuids")]

    operations = [
        migrations.AlterField(
            model_name="assessment",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="careplan",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
