"""Report building: context assembly, SVG charts for print, WeasyPrint rendering, batch runs."""
