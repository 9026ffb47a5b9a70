"""sozialraum: social spaces from Zensus grid cells and municipal statistics (domain library)."""
