/*
 * css.h -- CSS selectors compiled to XPath 1.0.
 *
 * Supported: type and universal selectors, .class, #id, [a], [a=v],
 * [a~=v], [a|=v], [a^=v], [a$=v], [a*=v] (values quoted or bare), the
 * descendant, child (>), adjacent (+) and sibling (~) combinators,
 * :nth-child(an+b|odd|even), :nth-last-child, :first-child, :last-child,
 * :only-child, :nth-of-type, :first-of-type, :last-of-type, :not(simple),
 * :contains("text"), and groups (a, b).  Backslash escapes in identifiers
 * work (Tailwind's `hover\:underline`).  Element and attribute names are
 * matched in lower case, as libxml2's HTML parser stores them.
 *
 * The XPath selects, from a context node, the matching nodes among the
 * node itself and its descendants, in document order; descendant steps
 * use descendant:: rather than // so libxml2 does not go quadratic.
 */
#ifndef CV_CSS_H
#define CV_CSS_H

#include <stddef.h>

/* Returns a new XPath string (free with cv_free), or NULL with a message
 * naming the problem and its position in errbuf (NULL only on OOM leaves
 * errbuf saying "out of memory"). */
char *cv_css_to_xpath(const char *selector, char *errbuf, size_t errlen);

#endif
