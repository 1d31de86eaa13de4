// The C side of Cutaway's line editor: libedit's readline-compatible API.
#include <stdio.h>
#include <editline/readline.h>
