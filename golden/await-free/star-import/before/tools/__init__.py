from .text import *
