from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Cast, Concat


def fill_keys(apps, schema_editor):
    RunStep = apps.get_model("rules", "RunStep")
    RunStep.objects.update(
        key=Concat(Value("step-"), Cast(F("index") + 1, models.CharField())),
        path=Concat(Value("actions/"), Cast(F("index"), models.CharField())),
    )


class Migration(migrations.Migration):
    dependencies = [("rules", "0003_engine_bounds")]

    operations = [
        migrations.AddField(model_name="runstep", name="key", field=models.CharField(default="", max_length=100)),
        migrations.AddField(model_name="runstep", name="path", field=models.CharField(default="", max_length=200)),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(model_name="runstep", name="key", field=models.CharField(max_length=100)),
        migrations.AlterField(model_name="runstep", name="path", field=models.CharField(max_length=200)),
        migrations.AddConstraint(
            model_name="runstep",
            constraint=models.UniqueConstraint(fields=("run", "key"), name="run_step_key_unique"),
        ),
    ]
