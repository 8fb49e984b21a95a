"""Producers of raw data sets (raw.nc): built-in generators and the ingester. Only this package knows outside
formats."""

from xraylatent.data.sources import synthetic_geo2, synthetic_h2o

SYNTHETIC_GENERATORS = {
    "synthetic_h2o": synthetic_h2o.generate,
    "synthetic_geo2": synthetic_geo2.generate,
}
