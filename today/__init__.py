"""The home page's "today's work" (今日の仕事): what each role has due, gathered from every area.

Above community and supporters in the layer order, because it reads all of them; not an app.
"""
