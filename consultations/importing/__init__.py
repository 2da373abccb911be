"""Importing consultations from the spreadsheets offices keep today (xlsx, CSV).

`reading` turns a file into rows of text, `values` reads each cell (dates, the mapping tables),
`planning` checks every row and decides what would be created (persons matched with the duplicate
rules of people/duplicates.py), and `writing` creates it all in one transaction. docs/import.md
explains the columns and the tables to the office staff.
"""
