"""Subsidised loans (国際戦略総合特区支援利子補給金): the loan, its events, its ledger (docs/interest-subsidy.md)."""
