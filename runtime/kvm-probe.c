/* Started by ukl-init when the runner checks whether KVM can boot a guest. */
int main(void)
{
	return 42;
}
