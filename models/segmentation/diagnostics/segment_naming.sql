-- How each cluster got its name: the step of the naming rule and the criterion it met.
with

segment_namings as (

    {{ artifact_table('segment_naming') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        segment_code,
        naming_step,
        sort_order,
        segment_name,
        segment_name_zh,
        criterion
    from segment_namings

)

select * from final
