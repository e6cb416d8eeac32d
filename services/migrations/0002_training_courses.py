# The courses volunteers take for devolved services, with how long a certificate usually lasts.

from django.db import migrations

COURSES = [
    ("Strimmer and brushcutter use", 36),
    ("Chapter 8 traffic management", 60),
    ("First aid at work", 36),
    ("Emergency first aid", 36),
    ("Manual handling", 36),
    ("Safe use of pesticides (PA1 and PA6)", None),
    ("Hedge cutting (tractor-mounted flail)", 60),
    ("Play area inspection (routine)", 36),
    ("Minibus driving (MiDAS)", 48),
    ("Working at height", 36),
]


def add_courses(apps, schema_editor):
    TrainingCourse = apps.get_model("services", "TrainingCourse")
    for name, months in COURSES:
        TrainingCourse.objects.get_or_create(name=name, defaults={"valid_for_months": months})


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(add_courses, migrations.RunPython.noop)]
