"""The demo clinic and batch runs: synthetic quarter generator, end-to-end run, folders."""

from addin.demo.pipeline import STEPS, ClinicRun, run_clinic
from addin.demo.run import DemoInputs, DemoResult, make_inputs, run_demo

__all__ = [
    "STEPS",
    "ClinicRun",
    "DemoInputs",
    "DemoResult",
    "make_inputs",
    "run_clinic",
    "run_demo",
]
