"""The layer order holds: no model, service or access module imports a layer above its own."""

import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from tsunagu.layers import LAYERS, layer_of, upward_imports

PROJECT = Path(__file__).resolve().parents[2]


def plant(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


class LayerOrderTests(SimpleTestCase):
    def test_the_project_imports_only_downward(self) -> None:
        problems = upward_imports(PROJECT)
        self.assertEqual([str(problem) for problem in problems], [])

    def test_every_app_has_a_place_in_the_order(self) -> None:
        apps = {
            path.parent.name
            for path in PROJECT.glob("*/apps.py")
            if (path.parent / "__init__.py").exists()
        }
        placed = {prefix.split(".")[0] for layer in LAYERS for prefix in layer}
        self.assertEqual(apps - placed, set())

    def test_a_planted_upward_import_fails_naming_the_import(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            plant(
                root,
                {
                    "people/__init__.py": "",
                    "people/services.py": "import os\n\nfrom cases.models import Case\n",
                    "cases/__init__.py": "",
                    "cases/models.py": "from people.models import Person\n",
                },
            )
            (problem,) = upward_imports(root)
        self.assertEqual(
            str(problem),
            "people/services.py:3 imports cases.models: cases is above people in the layer order",
        )

    def test_an_import_inside_a_function_counts_too(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            plant(
                root,
                {"accounts/access.py": "def f():\n    from collaboration.models import Meeting\n"},
            )
            (problem,) = upward_imports(root)
        self.assertEqual((problem.path, problem.line), ("accounts/access.py", 2))

    def test_a_module_imported_by_name_counts(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            plant(root, {"cases/access.py": "from collaboration import models\n"})
            (problem,) = upward_imports(root)
        self.assertEqual(problem.module, "collaboration")

    def test_doors_may_compose_across_apps(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            upward = "from collaboration.models import Referral\n"
            plant(
                root,
                {
                    "people/views.py": upward,
                    "people/household_views.py": upward,
                    "people/forms.py": upward,
                    "people/management/commands/load.py": upward,
                    "people/tests/test_x.py": upward,
                },
            )
            self.assertEqual(upward_imports(root), [])

    def test_intake_sits_above_collaboration_and_the_consultation_below_cases(self) -> None:
        self.assertLess(layer_of("consultations.models"), layer_of("cases.models"))
        self.assertGreater(
            layer_of("consultations.intake"), layer_of("collaboration.referrals.services")
        )
        self.assertGreater(layer_of("consultations.importing.writing"), layer_of("collaboration"))
        self.assertIsNone(layer_of("django.db"))
