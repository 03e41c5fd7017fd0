"""The demo clinic: a synthetic quarter run week by week through the billing cycle."""

from addin.demo.run import DemoResult, Week, run_demo

__all__ = ["DemoResult", "Week", "run_demo"]
