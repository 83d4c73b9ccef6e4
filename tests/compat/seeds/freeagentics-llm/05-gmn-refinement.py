# Iteratively improve GMN
refined_gmn = await provider.refine_gmn(
    gmn_spec=current_gmn,
    feedback="Add memory capabilities"
)
