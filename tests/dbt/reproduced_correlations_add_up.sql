-- The reproduced correlations' diagonal is the extraction communality, and off the diagonal
-- the residual is the observed correlation minus the reproduced one.
with

reproduced as (

    select * from {{ ref('segment_reproduced_correlations') }}

),

communalities as (

    select * from {{ ref('segment_communalities') }}

),

diagonal as (

    select
        reproduced.model_id,
        reproduced.input_name,
        reproduced.other_input_name
    from reproduced
    left join communalities
        on
            reproduced.model_id = communalities.model_id
            and reproduced.input_name = communalities.input_name
    where
        reproduced.is_diagonal
        and (
            communalities.extraction is null
            or abs(reproduced.reproduced_correlation - communalities.extraction) > 1e-9
            or reproduced.residual is not null
        )

),

off_diagonal as (

    select
        model_id,
        input_name,
        other_input_name
    from reproduced
    where
        not is_diagonal
        and (
            residual is null
            or abs(observed_correlation - reproduced_correlation - residual) > 1e-9
        )

)

select * from diagonal
union all
select * from off_diagonal
