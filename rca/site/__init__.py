"""The case library: a static site of every review for one audience, with search.

cards.py   one case as the site shows it (from the audience's render context)
build.py   the site pipeline: cards -> similar -> case outputs -> pages -> search -> guard -> write
pages.py   the site's HTML pages from templates/site/
search.py  the Pagefind search index, built from the guarded pages only
guard.py   the leak guard over every site file, against every case's identifiers
"""
