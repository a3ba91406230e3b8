-- Every parameter and diagnostic of every fitted segment model, both schemes, in one typed
-- long table: what scoring in SQL and the diagnostics tables read.
with

scheme_a as (

    select * from {{ ref('segmentation_fit_scheme_a') }}

),

scheme_b as (

    select * from {{ ref('segmentation_fit_scheme_b') }}

),

unioned as (

    select * from scheme_a
    union all
    select * from scheme_b

),

final as (

    select
        cast(model_id as varchar) as model_id,
        cast(scheme as varchar) as scheme,
        cast(as_of_date as date) as as_of_date,
        cast(artifact as varchar) as artifact,
        cast(row_key as varchar) as row_key,
        cast(column_key as varchar) as column_key,
        cast(value as double) as value,  -- noqa: RF04
        cast(text_value as varchar) as text_value
    from unioned

)

select * from final
