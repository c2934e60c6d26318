"""The special measures (特別の措置) as dated rules with their sources: pure functions, no DB, no web framework.

- `tax`: 国際戦略総合特区設備等投資促進税制 (租税特別措置法 第42条の11), rules in data/tax-measure.json,
  sources and open points in docs/tax-measure.md.
"""
