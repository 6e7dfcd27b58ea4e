# Undefined symbols the resolver does not know: every one must be listed with every place that
# refers to it; the weak one becomes 0.
# kemu-link: base=0xc0800000
# kemu-sym: known = 0xc0100000
# kemu-expect: UnresolvedSymbols missing_fn missing_data
	.text
	.globl	uses_missing
uses_missing:
	call	missing_fn
	call	known
	movl	missing_data, %eax
	call	missing_fn
	movl	$maybe, %eax
	ret
	.data
	.long	missing_data + 8
	.weak	maybe
