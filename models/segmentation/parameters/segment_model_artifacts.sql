{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        full_refresh=false,
    )
}}
-- Every parameter and diagnostic of every fitted segment model, both schemes, in one typed
-- long table: what scoring in SQL and the diagnostics tables read. Incremental by model_id:
-- a stored model's artifacts never change (the fits only append new models), so a run adds
-- the models it has not stored yet and a daily run without a refit copies nothing (not the
-- per-customer fitted assignments of every model again). A record, not a derived table: a
-- --full-refresh keeps it (full_refresh=false); run-operation reset_segment_records resets it.
with

scheme_a as (

    select * from {{ segment_fit('segmentation_fit_scheme_a') }}

),

scheme_b as (

    select * from {{ segment_fit('segmentation_fit_scheme_b') }}

),

unioned as (

    select * from scheme_a
    union all
    select * from scheme_b

),

{% if is_incremental() %}
stored_models as (

    select distinct model_id from {{ this }}

),
{% endif %}

new_models as (

    select * from unioned
    {% if is_incremental() -%}
        where cast(model_id as string) not in (select stored_models.model_id from stored_models)
    {%- endif %}

),

final as (

    select
        cast(model_id as string) as model_id,
        cast(scheme as string) as scheme,
        cast(as_of_date as date) as as_of_date,
        cast(artifact as string) as artifact,
        cast(row_key as string) as row_key,
        cast(column_key as string) as column_key,
        cast(value as double) as value,  -- noqa: RF04
        cast(text_value as string) as text_value
    from new_models

)

select * from final
