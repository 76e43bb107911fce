"""placeholder"""
class TemplateError(Exception):
    pass
def parse(s, name=""):
    return s
def removed_fields(t):
    return [x for x in (".Updated", ".Changed.ImageResult") if x in t]
def unknown_functions(t):
    return []
