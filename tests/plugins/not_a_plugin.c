/*
 * not_a_plugin.c -- a shared object without carvest's entry symbol, as a
 * stray library dropped in a plugin directory would be.
 */
int not_a_plugin_answer(void);

int not_a_plugin_answer(void)
{
    return 42;
}
