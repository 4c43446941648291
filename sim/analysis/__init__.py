"""Analysis of outcome tables: summaries, paired comparisons, sensitivity, calibration."""
