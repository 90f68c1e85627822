"""Offline analysis of a child's drawing: colours, layout and mood, measured with Pillow + numpy.

No model and no network: the "recognition" is a handful of measurements (paper colour, where the
ink is, which colours dominate, how busy the strokes are) plus a few cautious layout rules
("blue across the top" is probably a sky). The prose it writes is meant for a story writer, so it
stays encouraging and only claims what the measurements support.
"""

from __future__ import annotations

from .analyse import CORE_DELTA_E as CORE_DELTA_E
from .analyse import EDGE_STEP as EDGE_STEP
from .analyse import INK_DELTA_E as INK_DELTA_E
from .analyse import WORK_SIDE as WORK_SIDE
from .analyse import analyse_drawing
from .colours import COLOUR_NAMES, colour_name
from .decoding import ACCEPTED_FORMATS as ACCEPTED_FORMATS
from .decoding import MAX_PIXELS as MAX_PIXELS
from .decoding import MIN_SIDE as MIN_SIDE
from .decoding import InvalidImage, load_drawing

__all__ = ["COLOUR_NAMES", "InvalidImage", "analyse_drawing", "colour_name", "load_drawing"]
