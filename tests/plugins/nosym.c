/* A shared object without the tamarin_plugin symbol. */
int	nosym_value(void);

int
nosym_value(void)
{
	return (42);
}
