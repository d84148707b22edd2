"""Booking letters as PDF files. ``render.LetterRenderer`` is the way in; its parts:

- ``template``: what a letter prints (LetterData) and its HTML (Jinja, no WeasyPrint);
- ``dates``: dates and time windows in words (also used by the SMS texts);
- ``layout``: WeasyPrint set up once; whole letters laid out and split (the slow path);
- ``overlay``: the fast path (a background once, each letter's slots over it), the only
  module that reads WeasyPrint internals;
- ``compose``: the hand-written PDF writer of the fast path;
- ``pdf``: splitting and combining whole PDF files (pypdf);
- ``pool``: worker processes for large batches.

Nothing is imported here: importing the package stays cheap.
"""
