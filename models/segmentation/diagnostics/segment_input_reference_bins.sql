-- Each model input's reference distribution on the fitting sample: the decile bins of its
-- z-score and the share of the fitting sample in each (the reference of the drift marts,
-- models/segmentation/monitoring). Bin = lower_edge < z <= upper_edge; a null edge is open.
with

reference_bins as (

    {{ artifact_table('input_reference_bin') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        split_part(input_bin, ':', 1) as input_name,
        bin,
        lower_edge,
        upper_edge,
        fit_share
    from reference_bins

)

select * from final
